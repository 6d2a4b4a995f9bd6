"""JSON API for dispatch actions: intake from any channel, assignment, status, recoding.

Every endpoint calls the same service as the dispatcher's pages. Bad input gets a 400
listing each problem with its JSON path (see `core.api.exception_handler`).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.agencies.models import Jurisdiction, Team
from tandem.core.api import role_permission
from tandem.dispatch import selectors, services
from tandem.dispatch.api import CallList, CallSerializer
from tandem.dispatch.intake import CallIntake, active_protocol, call_intake, protocol_fallbacks
from tandem.dispatch.models import CallSource, ResponseMode
from tandem.dispatch.triage_schema import QUESTIONS
from tandem.dispatch.units import recommend_units
from tandem.interop import eido


class AnswersSerializer(serializers.Serializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, question in QUESTIONS.items():
            self.fields[key] = serializers.BooleanField(
                required=False, allow_null=True, default=None, help_text=question
            )


class IntakeSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=CallSource.choices, default=CallSource.E911)
    call_type = serializers.CharField(max_length=80)
    apco_code = serializers.CharField(max_length=16, required=False, default="", allow_blank=True)
    received_at = serializers.DateTimeField(required=False, default=None)
    location_text = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True
    )
    latitude = serializers.FloatField(required=False, default=None, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, default=None, min_value=-180, max_value=180)
    jurisdiction = serializers.PrimaryKeyRelatedField(
        queryset=Jurisdiction.objects.all(), required=False, default=None
    )
    narrative = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=10000
    )
    answers = AnswersSerializer(required=False, default=dict)
    incident_id = serializers.CharField(max_length=200, required=False, default=None)
    priority = serializers.IntegerField(min_value=1, max_value=5, default=3)

    def validate(self, data):
        if (data["latitude"] is None) != (data["longitude"] is None):
            raise serializers.ValidationError(
                {"longitude": "expected both latitude and longitude, or neither"}
            )
        return data

    def to_intake(self) -> CallIntake:
        data = dict(self.validated_data)
        jurisdiction = data.pop("jurisdiction")
        answers = {k: v for k, v in (data.pop("answers") or {}).items()}
        return CallIntake(
            **data, jurisdiction_id=jurisdiction.pk if jurisdiction else None, answers=answers
        )


def recommendation_payload(call) -> dict:
    """The call's triage and the ranked teams, as the API and the board show them."""
    units = recommend_units(call, call.recommended_mode, fallbacks=protocol_fallbacks())

    def teams(rec):
        return [
            {
                "team": c.team.pk,
                "call_sign": c.team.call_sign,
                "minutes": c.minutes,
                "on_call": c.on_call,
            }
            for c in rec.candidates
        ]

    return {
        "triage": call.recommendation,
        "teams": teams(units),
        "excluded": units.excluded,
        "fallback": {
            "mode": units.fallback_mode,
            "reason": units.fallback_reason,
            "teams": teams(units.fallback) if units.fallback else [],
        }
        if units.fallback_reason
        else None,
    }


def _intake_response(call, created: bool) -> Response:
    body = {"call": CallSerializer(call).data, **recommendation_payload(call)}
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class Calls(CallList):
    """GET /api/calls lists calls; POST takes one in from a CAD, a tool or a 988 transfer."""

    def get_permissions(self):
        perm = Perm.TAKE_CALLS if self.request.method == "POST" else Perm.VIEW_CALLS
        return [role_permission(perm)()]

    @extend_schema(request=IntakeSerializer, responses={201: CallSerializer})
    def post(self, request):
        serializer = IntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call, created = call_intake(actor=request.user, intake=serializer.to_intake())
        return _intake_response(call, created)


class EidoIngest(APIView):
    """POST /api/eido/incidents: a NENA EIDO 1.0 incident; the same incident id updates."""

    permission_classes = [role_permission(Perm.TAKE_CALLS)]

    @extend_schema(request=dict, responses={201: CallSerializer})
    def post(self, request):
        try:
            incident = eido.parse_incident(request.data)
        except eido.EidoInvalid as invalid:
            return Response({"errors": invalid.errors}, status=status.HTTP_400_BAD_REQUEST)
        call, created = call_intake(
            actor=request.user,
            intake=CallIntake(
                source=incident.source,
                call_type=incident.call_type,
                apco_code=incident.apco_code,
                received_at=incident.received_at,
                location_text=incident.location_text,
                latitude=incident.latitude,
                longitude=incident.longitude,
                narrative=incident.narrative,
                incident_id=incident.incident_id,
            ),
        )
        return _intake_response(call, created)


class CallEido(APIView):
    """GET /api/calls/{id}/eido: the call as an EIDO update for the CAD (no narrative)."""

    permission_classes = [role_permission(Perm.VIEW_CALLS)]

    @extend_schema(responses=dict)
    def get(self, request, call_id: int):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        final = (
            active_protocol().call_type(call.final_call_type, "")
            if (call.final_call_type)
            else None
        )
        document = eido.render_incident(
            {
                "number": call.number,
                "incident_id": call.incident_id,
                "call_type": call.call_type,
                "apco_code": call.apco_code or call.call_type,
                "final_call_type": call.final_call_type,
                "final_apco_code": final.apco if final else "",
                "location_text": call.location_text,
                "latitude": call.latitude,
                "longitude": call.longitude,
                "status": call.status,
                "updated_at": call.updated_at,
            },
            agency_id=call.owning_agency.code,
            updated_by="tandem",
            recode_note="Recoded after a behavioral-health assessment."
            if call.recoded_at and (call.behavioral_health)
            else "",
        )
        return Response(document)


class AssignmentSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    mode = serializers.ChoiceField(choices=ResponseMode.choices, required=False, default="")


class CallAssign(APIView):
    permission_classes = [role_permission(Perm.TAKE_CALLS)]

    @extend_schema(request=AssignmentSerializer, responses={201: dict, 409: dict})
    def post(self, request, call_id: int):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        serializer = AssignmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assignment = services.assignment_create(
                actor=request.user,
                call_id=call.pk,
                team_id=serializer.validated_data["team"].pk,
                mode=serializer.validated_data["mode"],
            )
        except services.DispatchError as error:
            return Response(
                {"errors": [{"path": "$.team", "message": str(error)}]},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(
            {"assignment": assignment.pk, "team": assignment.team_id, "mode": assignment.mode},
            status=status.HTTP_201_CREATED,
        )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["en_route", "on_scene", "transporting", "cleared", "officer_returned"]
    )


class AssignmentStatus(APIView):
    permission_classes = [role_permission(Perm.UPDATE_UNITS)]

    @extend_schema(request=StatusSerializer, responses={200: dict, 409: dict})
    def post(self, request, assignment_id: int):
        assignment = selectors.assignment_for_update(
            actor=request.user, assignment_id=assignment_id
        )
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = serializer.validated_data["status"]
        try:
            assignment = services.assignment_advance(
                actor=request.user, assignment_id=assignment.pk, status=new
            )
        except services.DispatchError as error:
            return Response(
                {"errors": [{"path": "$.status", "message": str(error)}]},
                status=status.HTTP_409_CONFLICT,
            )
        return Response({"assignment": assignment.pk, "next": assignment.next_steps})


class ClinicianRequest(APIView):
    """An officer on scene asks for a clinician for an existing call."""

    permission_classes = [role_permission(Perm.REQUEST_CLINICIAN)]

    @extend_schema(request=None, responses=dict)
    def post(self, request, call_id: int):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        call = services.call_request_clinician(actor=request.user, call_id=call.pk)
        return Response({"call": call.pk, **recommendation_payload(call)})


class RecodeSerializer(serializers.Serializer):
    final_call_type = serializers.CharField(max_length=80)
    behavioral_health = serializers.BooleanField()


class CallRecode(APIView):
    permission_classes = [role_permission(Perm.RECODE_CALLS)]

    @extend_schema(request=RecodeSerializer, responses=dict)
    def post(self, request, call_id: int):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        serializer = RecodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call = services.call_recode(
            actor=request.user, call_id=call.pk, **serializer.validated_data
        )
        return Response(
            {
                "call": call.pk,
                "final_call_type": call.final_call_type,
                "behavioral_health": call.behavioral_health,
            }
        )


class SelfInitiate(APIView):
    """A team starts a contact on its own: a call is created, assigned and on scene."""

    permission_classes = [role_permission(Perm.UPDATE_UNITS)]

    @extend_schema(request=IntakeSerializer, responses={201: dict})
    def post(self, request, team_id: int):
        team = get_object_or_404(Team, pk=team_id, members__user=request.user)
        serializer = IntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assignment = services.call_self_initiate(
                actor=request.user, team_id=team.pk, intake=serializer.to_intake()
            )
        except services.DispatchError as error:
            return Response(
                {"errors": [{"path": "$", "message": str(error)}]}, status=status.HTTP_409_CONFLICT
            )
        return Response(
            {"call": assignment.call_id, "assignment": assignment.pk},
            status=status.HTTP_201_CREATED,
        )

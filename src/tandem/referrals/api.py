"""JSON API of referrals: make one from an encounter, list, read, change the status.

The same services as the pages; errors as {"errors": [{"path": "$.status", ...}]}.
Police roles get 404 from every endpoint (they hold no referral permission and no
referral is in their scope).
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.core.api import Paging, SegmentedSerializer, role_permission
from tandem.referrals import selectors, services
from tandem.referrals.models import Referral, ReferralEvent, ReferralStatus


class EventSerializer(SegmentedSerializer):
    class Meta:
        model = ReferralEvent
        fields = ["from_status", "to_status", "at", "by", "owning_agency", "note"]


class ReferralSerializer(SegmentedSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    part2_program = serializers.BooleanField(source="service.part2_program", read_only=True)
    next_statuses = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "owning_agency",
            "encounter",
            "person",
            "service",
            "service_name",
            "part2_program",
            "status",
            "sent_at",
            "status_changed_at",
            "next_statuses",
            "reason",
        ]


class ReferralCreate(serializers.Serializer):
    encounter = serializers.IntegerField()
    service = serializers.IntegerField()
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=4000)


class ReferralQuery(Paging):
    direction = serializers.ChoiceField(
        choices=["incoming", "outgoing", ""], required=False, default=""
    )
    status = serializers.ChoiceField(
        choices=[*ReferralStatus.values, "open", ""], required=False, default=""
    )


class StatusChange(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)
    expected = serializers.ChoiceField(
        choices=ReferralStatus.choices, required=False, default=None, allow_null=True
    )


class ClinicalStaff(permissions.BasePermission):
    """Only clinical staff of a behavioral-health agency; anyone else gets 404."""

    def has_permission(self, request, view) -> bool:
        if not selectors.is_clinical_staff(request.user):
            raise Http404
        return True


PERMISSIONS = [role_permission(selectors.REFER_PERMISSION), ClinicalStaff]


def _refused(exc: services.ReferralError) -> ValidationError:
    return ValidationError({exc.field or "$": [str(exc)]})


class Referrals(APIView):
    """GET /api/referrals?direction=incoming|outgoing&status=open|<status>;
    POST /api/referrals {encounter, service, reason} makes one (status `sent`)."""

    permission_classes = PERMISSIONS

    @extend_schema(parameters=[ReferralQuery], responses=ReferralSerializer(many=True))
    def get(self, request):
        query = ReferralQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.referral_list(actor=request.user, **query.validated_data)
        return Response(ReferralSerializer(rows, many=True).data)

    @extend_schema(request=ReferralCreate, responses={201: ReferralSerializer})
    def post(self, request):
        data = ReferralCreate(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            referral = services.referral_create(
                actor=request.user,
                encounter_id=data.validated_data["encounter"],
                service_id=data.validated_data["service"],
                reason=data.validated_data["reason"],
            )
        except services.ReferralError as exc:
            raise _refused(exc) from None
        referral = selectors.referral_get(actor=request.user, referral_id=referral.pk)
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class ReferralDetail(APIView):
    """GET /api/referrals/{id}: the referral with its status history."""

    permission_classes = PERMISSIONS

    @extend_schema(responses=ReferralSerializer)
    def get(self, request, referral_id: int):
        referral = selectors.referral_get(actor=request.user, referral_id=referral_id)
        events = selectors.referral_events(actor=request.user, referral=referral)
        body = ReferralSerializer(referral).data
        body["events"] = EventSerializer(events, many=True).data
        return Response(body)


class ReferralStatusChange(APIView):
    """POST /api/referrals/{id}/status {status, note, expected}: one step of the loop."""

    permission_classes = PERMISSIONS

    @extend_schema(request=StatusChange, responses=ReferralSerializer)
    def post(self, request, referral_id: int):
        data = StatusChange(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.referral_status_set(
                actor=request.user, referral_id=referral_id, **data.validated_data
            )
        except services.ReferralError as exc:
            raise _refused(exc) from None
        referral = selectors.referral_get(actor=request.user, referral_id=referral_id)
        return Response(ReferralSerializer(referral).data)

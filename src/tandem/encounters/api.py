"""JSON API for encounters."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.core.api import Paging, SegmentedSerializer, role_permission
from tandem.encounters import instruments, selectors, services
from tandem.encounters.models import Encounter, Instrument, Screening


class EncounterSerializer(SegmentedSerializer):
    class Meta:
        model = Encounter
        exclude = ["created_by", "updated_by"]


class EncounterList(APIView):
    permission_classes = [role_permission(Perm.VIEW_ENCOUNTERS)]

    @extend_schema(parameters=[Paging], responses=EncounterSerializer(many=True))
    def get(self, request):
        paging = Paging(data=request.query_params)
        paging.is_valid(raise_exception=True)
        rows = selectors.encounter_list(actor=request.user, **paging.validated_data)
        return Response(EncounterSerializer(rows, many=True).data)


class EncounterDetail(APIView):
    permission_classes = [role_permission(Perm.VIEW_ENCOUNTERS)]

    @extend_schema(responses=EncounterSerializer)
    def get(self, request, encounter_id: int):
        encounter = selectors.encounter_get(actor=request.user, encounter_id=encounter_id)
        return Response(EncounterSerializer(encounter).data)


class ScreeningSerializer(SegmentedSerializer):
    """A screening as the actor may see it: officers get only that it was done and
    whether it calls for emergency care; instrument, answers and result are withheld."""

    total = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Screening
        fields = [
            "id",
            "encounter",
            "instrument",
            "answers",
            "result",
            "total",
            "complete",
            "needs_emergency_care",
            "screened_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "answers" in getattr(instance, "withheld", ()):
            data.pop("total", None)
        return data


class ScreeningInput(serializers.Serializer):
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    answers = serializers.DictField(child=serializers.JSONField())


class EncounterScreenings(APIView):
    """GET: the encounter's screenings (redacted). POST: record one instrument's
    answers, validated by its published logic (C-SSRS branching, CTRS ranges)."""

    permission_classes = [role_permission(Perm.VIEW_ENCOUNTERS)]

    @extend_schema(responses=ScreeningSerializer(many=True))
    def get(self, request, encounter_id: int):
        encounter = selectors.encounter_get(actor=request.user, encounter_id=encounter_id)
        rows = selectors.screening_list(actor=request.user, encounter=encounter)
        return Response(ScreeningSerializer(rows, many=True).data)

    @extend_schema(request=ScreeningInput, responses={201: ScreeningSerializer})
    def post(self, request, encounter_id: int):
        encounter = selectors.encounter_get(actor=request.user, encounter_id=encounter_id)
        if not services.may_edit(request.user, encounter):
            raise Http404
        data = ScreeningInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            screening = services.screening_record(
                actor=request.user,
                encounter_id=encounter.pk,
                instrument=data.validated_data["instrument"],
                answers=data.validated_data["answers"],
            )
        except PermissionDenied:
            raise Http404 from None  # no clinical access looks like no such encounter
        except instruments.InstrumentInvalid as error:
            raise ValidationError(
                {"answers": {key: [message] for key, message in error.problems}}
            ) from None
        rows = selectors.screening_list(actor=request.user, encounter=encounter)
        shown = next(s for s in rows if s.pk == screening.pk)
        return Response(ScreeningSerializer(shown).data, status=status.HTTP_201_CREATED)

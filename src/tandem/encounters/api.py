"""JSON API for encounters."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.core.api import Paging, SegmentedSerializer, role_permission
from tandem.encounters import selectors
from tandem.encounters.models import Encounter


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

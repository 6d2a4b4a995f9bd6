"""JSON API for calls."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.core.api import Paging, SegmentedSerializer, role_permission
from tandem.dispatch import selectors
from tandem.dispatch.models import Assignment, Call


class AssignmentSerializer(SegmentedSerializer):
    class Meta:
        model = Assignment
        fields = [
            "id",
            "team",
            "mode",
            "assigned_at",
            "en_route_at",
            "on_scene_at",
            "cleared_at",
            "officer_returned_at",
        ]


class CallSerializer(SegmentedSerializer):
    class Meta:
        model = Call
        fields = [
            "id",
            "number",
            "source",
            "received_at",
            "call_type",
            "apco_code",
            "final_call_type",
            "priority",
            "location_text",
            "latitude",
            "longitude",
            "jurisdiction",
            "narrative",
            "behavioral_health",
            "subject",
            "status",
        ]


class CallList(APIView):
    permission_classes = [role_permission(Perm.VIEW_CALLS)]

    @extend_schema(parameters=[Paging], responses=CallSerializer(many=True))
    def get(self, request):
        paging = Paging(data=request.query_params)
        paging.is_valid(raise_exception=True)
        calls = selectors.call_list(actor=request.user, **paging.validated_data)
        return Response(CallSerializer(calls, many=True).data)


class CallDetail(APIView):
    permission_classes = [role_permission(Perm.VIEW_CALLS)]

    @extend_schema(responses=CallSerializer)
    def get(self, request, call_id: int):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        data = CallSerializer(call).data
        data["assignments"] = AssignmentSerializer(
            selectors.call_assignments(actor=request.user, call=call), many=True
        ).data
        return Response(data)

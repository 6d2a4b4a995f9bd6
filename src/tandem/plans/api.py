"""JSON API for crisis plans: the same selector as the page, so the same redaction."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.core.api import SegmentedSerializer, role_permission
from tandem.plans import selectors
from tandem.plans.models import CrisisPlan


class CrisisPlanSerializer(SegmentedSerializer):
    class Meta:
        model = CrisisPlan
        exclude = ["created_by", "updated_by"]


class PlanDetail(APIView):
    permission_classes = [role_permission(Perm.VIEW_PEOPLE)]

    @extend_schema(responses=CrisisPlanSerializer)
    def get(self, request, plan_id: int):
        plan = selectors.plan_get(actor=request.user, plan_id=plan_id)
        return Response(CrisisPlanSerializer(plan).data)

"""JSON API of the directory: search, one service and the whole directory as HSDS 3.0.

GET endpoints are open to any signed-in user (the directory is public information);
importing needs the program-management permission.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.core.api import role_permission
from tandem.directory import hsds, selectors
from tandem.directory.forms import SearchForm
from tandem.directory.models import Service
from tandem.directory.services import directory_import


class HitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="service.pk")
    hsds_id = serializers.UUIDField(source="service.hsds_id")
    name = serializers.CharField(source="service.name")
    organization = serializers.CharField(source="service.organization_name")
    category = serializers.CharField(source="service.category")
    phone = serializers.CharField(source="service.phone")
    address = serializers.CharField(source="service.address")
    hours = serializers.CharField(source="service.hours")
    minimum_age = serializers.IntegerField(source="service.minimum_age", allow_null=True)
    maximum_age = serializers.IntegerField(source="service.maximum_age", allow_null=True)
    eligibility_description = serializers.CharField(source="service.eligibility")
    part2_program = serializers.BooleanField(source="service.part2_program")
    distance_km = serializers.FloatField(allow_null=True)
    open_now = serializers.BooleanField(allow_null=True)


class ServiceSearch(APIView):
    """GET /api/directory/services?need=&near=&lat=&lon=&within_km=&age=&eligibility=
    &q=&open_now=1&at=: services matching every filter given."""

    @extend_schema(responses=HitSerializer(many=True))
    def get(self, request):
        form = SearchForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            )
        hits = selectors.service_search(form.criteria())
        return Response(HitSerializer(hits, many=True).data)


class ServiceHsds(APIView):
    """GET /api/directory/services/{id}: one service as HSDS 3.0 (fully nested)."""

    @extend_schema(responses=dict)
    def get(self, request, service_id: int):
        try:
            service = selectors.service_get(service_id=service_id)
        except Service.DoesNotExist:
            raise Http404 from None
        return Response(hsds.render_service(service))


class DirectoryHsds(APIView):
    """GET /api/directory/hsds: the directory as an HSDS 3.0 page of services.
    POST the same shape to import it (upsert on HSDS ids)."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), role_permission(Perm.MANAGE_PROGRAM)()]
        return super().get_permissions()

    @extend_schema(responses=dict)
    def get(self, request):
        return Response(hsds.render_page(selectors.services_for_export()))

    @extend_schema(request=dict, responses=dict)
    def post(self, request):
        result = directory_import(actor=request.user, document=request.data)
        body = {
            "imported": result.services,
            "rejected": result.rejected,
            "changes": dict(sorted(result.counts.items())),
            "errors": result.errors,
        }
        ok = result.services or not result.errors
        return Response(body, status=status.HTTP_200_OK if ok else status.HTTP_400_BAD_REQUEST)

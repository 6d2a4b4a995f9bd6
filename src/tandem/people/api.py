"""JSON API for people."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.core.api import Paging, SegmentedSerializer, role_permission
from tandem.people import selectors
from tandem.people.models import Person


class PersonSerializer(SegmentedSerializer):
    class Meta:
        model = Person
        fields = [
            "id",
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "owning_agency",
        ]


class PersonQuery(Paging):
    q = serializers.CharField(required=False, default="", max_length=100, allow_blank=True)


class PersonList(APIView):
    permission_classes = [role_permission(Perm.VIEW_PEOPLE)]

    @extend_schema(parameters=[PersonQuery], responses=PersonSerializer(many=True))
    def get(self, request):
        query = PersonQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        people = selectors.person_list(actor=request.user, query=params.pop("q"), **params)
        return Response(PersonSerializer(people, many=True).data)


class PersonDetail(APIView):
    permission_classes = [role_permission(Perm.VIEW_PEOPLE)]

    @extend_schema(responses=PersonSerializer)
    def get(self, request, person_id: int):
        person = selectors.person_get(actor=request.user, person_id=person_id)
        return Response(PersonSerializer(person).data)

"""JSON API for people."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.core.api import Paging, SegmentedSerializer, role_permission
from tandem.people import selectors
from tandem.people.matching import match_dicts, person_matches
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


# A name in an address stays in access logs, proxies and histories: names and birth dates
# come in POST bodies (docs/privacy.md, "Side doors").
NAME_IN_ADDRESS = "expected no name in the address; send it in a POST body to {path}"


class PersonList(APIView):
    """GET /api/people: the people the caller may see, a page at a time."""

    permission_classes = [role_permission(Perm.VIEW_PEOPLE)]

    @extend_schema(parameters=[Paging], responses=PersonSerializer(many=True))
    def get(self, request):
        if "q" in request.query_params:
            raise ValidationError({"q": NAME_IN_ADDRESS.format(path="/api/people/search")})
        paging = Paging(data=request.query_params)
        paging.is_valid(raise_exception=True)
        people = selectors.person_list(actor=request.user, **paging.validated_data)
        return Response(PersonSerializer(people, many=True).data)


class PersonSearch(APIView):
    """POST /api/people/search: the people the caller may see whose name contains `q`."""

    permission_classes = [role_permission(Perm.VIEW_PEOPLE)]

    @extend_schema(request=PersonQuery, responses=PersonSerializer(many=True))
    def post(self, request):
        query = PersonQuery(data=request.data)
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


class MatchQuery(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, default=None)
    sex = serializers.ChoiceField(choices=["", "F", "M", "X"], required=False, default="")
    address = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class PersonMatches(APIView):
    """POST /api/people/matches: likely existing records for a person being entered."""

    permission_classes = [role_permission(Perm.VIEW_PEOPLE)]

    @extend_schema(request=MatchQuery, responses=dict)
    def post(self, request):
        query = MatchQuery(data=request.data)
        query.is_valid(raise_exception=True)
        matches = person_matches(actor=request.user, **query.validated_data)
        return Response({"matches": match_dicts(matches)})

"""JSON API of the privacy app: a consent as FHIR R4B, for the program's own records."""

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from tandem.accounts.roles import Perm
from tandem.core.api import role_permission
from tandem.privacy.consent import consent_get
from tandem.privacy.fhir import consent_resource

FHIR_JSON = "application/fhir+json"


class ConsentFhir(APIView):
    """GET: one consent as a FHIR R4B `Consent` resource (clinical staff of the provider
    holding it; everyone else gets 404, as for a consent that does not exist)."""

    permission_classes = [role_permission(Perm.VIEW_PEOPLE)]

    @extend_schema(responses={(200, FHIR_JSON): OpenApiTypes.OBJECT})
    def get(self, request, consent_id: int):
        consent = consent_get(actor=request.user, consent_id=consent_id)
        body = json.dumps(consent_resource(consent), ensure_ascii=False)
        return HttpResponse(body, content_type=f"{FHIR_JSON}; charset=utf-8")

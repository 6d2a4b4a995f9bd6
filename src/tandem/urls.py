"""Routes. Every route here is walked by the canary test as every police role."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from tandem.accounts.views import home
from tandem.core.views import healthz
from tandem.dispatch import api as dispatch_api
from tandem.encounters import api as encounters_api
from tandem.people import api as people_api

api_patterns = [
    path("calls", dispatch_api.CallList.as_view(), name="call_list"),
    path("calls/<int:call_id>", dispatch_api.CallDetail.as_view(), name="call_detail"),
    path("encounters", encounters_api.EncounterList.as_view(), name="encounter_list"),
    path(
        "encounters/<int:encounter_id>",
        encounters_api.EncounterDetail.as_view(),
        name="encounter_detail",
    ),
    path("people", people_api.PersonList.as_view(), name="person_list"),
    path("people/<int:person_id>", people_api.PersonDetail.as_view(), name="person_detail"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("tandem.accounts.urls")),
    path("calls/", include("tandem.dispatch.urls")),
    path("people/", include("tandem.people.urls")),
    path("encounters/", include("tandem.encounters.urls")),
    path("privacy/", include("tandem.privacy.urls")),
    path("api/", include((api_patterns, "api"))),
]

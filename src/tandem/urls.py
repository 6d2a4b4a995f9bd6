"""Routes. Every route here is walked by the canary test as every police role."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from tandem.accounts.views import home
from tandem.core.views import healthz
from tandem.directory import api as directory_api
from tandem.dispatch import api as dispatch_api
from tandem.dispatch import api_intake
from tandem.encounters import api as encounters_api
from tandem.people import api as people_api
from tandem.plans import api as plans_api
from tandem.privacy import api as privacy_api
from tandem.referrals import api as referrals_api

api_patterns = [
    path("calls", api_intake.Calls.as_view(), name="call_list"),
    path("calls/<int:call_id>", dispatch_api.CallDetail.as_view(), name="call_detail"),
    path("calls/<int:call_id>/eido", api_intake.CallEido.as_view(), name="call_eido"),
    path("calls/<int:call_id>/assignments", api_intake.CallAssign.as_view(), name="call_assign"),
    path(
        "calls/<int:call_id>/clinician-request",
        api_intake.ClinicianRequest.as_view(),
        name="clinician_request",
    ),
    path("calls/<int:call_id>/recode", api_intake.CallRecode.as_view(), name="call_recode"),
    path(
        "assignments/<int:assignment_id>/status",
        api_intake.AssignmentStatus.as_view(),
        name="assignment_status",
    ),
    path(
        "teams/<int:team_id>/self-initiated",
        api_intake.SelfInitiate.as_view(),
        name="self_initiate",
    ),
    path("eido/incidents", api_intake.EidoIngest.as_view(), name="eido_ingest"),
    path("encounters", encounters_api.EncounterList.as_view(), name="encounter_list"),
    path(
        "encounters/<int:encounter_id>",
        encounters_api.EncounterDetail.as_view(),
        name="encounter_detail",
    ),
    path(
        "encounters/<int:encounter_id>/screenings",
        encounters_api.EncounterScreenings.as_view(),
        name="encounter_screenings",
    ),
    path("people", people_api.PersonList.as_view(), name="person_list"),
    path("people/matches", people_api.PersonMatches.as_view(), name="person_matches"),
    path("people/search", people_api.PersonSearch.as_view(), name="person_search"),
    path("people/<int:person_id>", people_api.PersonDetail.as_view(), name="person_detail"),
    path("plans/<int:plan_id>", plans_api.PlanDetail.as_view(), name="plan_detail"),
    path("consents/<int:consent_id>/fhir", privacy_api.ConsentFhir.as_view(), name="consent_fhir"),
    path("directory/hsds", directory_api.DirectoryHsds.as_view(), name="directory_hsds"),
    path("directory/services", directory_api.ServiceSearch.as_view(), name="directory_search"),
    path(
        "directory/services/<int:service_id>",
        directory_api.ServiceHsds.as_view(),
        name="directory_service",
    ),
    path("referrals", referrals_api.Referrals.as_view(), name="referral_list"),
    path(
        "referrals/<int:referral_id>",
        referrals_api.ReferralDetail.as_view(),
        name="referral_detail",
    ),
    path(
        "referrals/<int:referral_id>/status",
        referrals_api.ReferralStatusChange.as_view(),
        name="referral_status",
    ),
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
    path("followups/", include("tandem.followups.urls")),
    path("plans/", include("tandem.plans.urls")),
    path("directory/", include("tandem.directory.urls")),
    path("referrals/", include("tandem.referrals.urls")),
    path("imports/", include("tandem.imports.urls")),
    path("metrics/", include("tandem.metrics.urls")),
    path("api/", include((api_patterns, "api"))),
]

from django.urls import path

from tandem.privacy import views, views_agreements, views_audit, views_consent

app_name = "privacy"
urlpatterns = [
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("audit/export.csv", views_audit.audit_export, name="audit_export"),
    path("audit/people/", views_audit.audit_people, name="audit_people"),
    path("people/<int:person_id>/disclosures/", views_audit.disclosures, name="disclosures"),
    path(
        "people/<int:person_id>/disclosures.pdf",
        views_audit.disclosures_pdf,
        name="disclosures_pdf",
    ),
    path("emergency/", views.emergency_queue, name="emergency_queue"),
    path("emergency/<int:access_id>/review/", views.emergency_review, name="emergency_review"),
    path("emergency/open/<int:person_id>/", views.emergency_open, name="emergency_open"),
    path("people/<int:person_id>/consents/", views_consent.consent_list, name="consent_list"),
    path("people/<int:person_id>/consents/new/", views_consent.consent_new, name="consent_new"),
    path("consents/<int:consent_id>/", views_consent.consent_detail, name="consent_detail"),
    path("consents/<int:consent_id>/revoke/", views_consent.consent_revoke, name="consent_revoke"),
    path("agreements/", views_agreements.agreement_list, name="agreement_list"),
    path("agreements/new/", views_agreements.agreement_new, name="agreement_new"),
    path(
        "agreements/<int:agreement_id>/end/",
        views_agreements.agreement_end,
        name="agreement_end",
    ),
]

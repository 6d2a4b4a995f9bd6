from django.urls import path

from tandem.privacy import views

app_name = "privacy"
urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("emergency/", views.emergency_queue, name="emergency_queue"),
    path("emergency/<int:access_id>/review/", views.emergency_review, name="emergency_review"),
    path("emergency/open/<int:person_id>/", views.emergency_open, name="emergency_open"),
]

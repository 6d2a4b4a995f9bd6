from django.urls import path

from tandem.encounters import views

app_name = "encounters"
urlpatterns = [
    path("", views.encounter_list, name="encounter_list"),
    path("new/", views.encounter_new, name="encounter_new"),
    path("<int:encounter_id>/", views.encounter_detail, name="encounter_detail"),
    path("<int:encounter_id>/edit/", views.encounter_edit, name="encounter_edit"),
]

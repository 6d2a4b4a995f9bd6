from django.urls import path

from tandem.encounters import views

app_name = "encounters"
urlpatterns = [
    path("", views.encounter_list, name="encounter_list"),
    path("<int:encounter_id>/", views.encounter_detail, name="encounter_detail"),
]

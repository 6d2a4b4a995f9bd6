from django.urls import path

from tandem.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("familiar/", views.familiar_list, name="familiar_list"),
    path("<int:person_id>/", views.person_detail, name="person_detail"),
]

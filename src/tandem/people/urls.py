from django.urls import path

from tandem.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("matches/", views.match_list, name="match_list"),
    path("familiar/", views.familiar_list, name="familiar_list"),
    path("links/review/", views.link_review, name="link_review"),
    path("links/<int:link_id>/decide/", views.link_decide, name="link_decide"),
    path("<int:person_id>/", views.person_detail, name="person_detail"),
]

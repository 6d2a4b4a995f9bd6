from django.urls import path

from tandem.dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("<int:call_id>/", views.call_detail, name="call_detail"),
]

from django.urls import path

from tandem.followups import views

app_name = "followups"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:followup_id>/", views.followup_detail, name="followup_detail"),
    path("<int:followup_id>/attempts/", views.attempt, name="attempt"),
    path("<int:followup_id>/complete/", views.complete, name="complete"),
    path("<int:followup_id>/close/", views.close, name="close"),
    path("<int:followup_id>/take/", views.take, name="take"),
]

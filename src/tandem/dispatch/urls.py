from django.urls import path

from tandem.dispatch import board, views

app_name = "dispatch"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("board/", board.board, name="board"),
    path("new/", board.intake, name="intake"),
    path("<int:call_id>/", views.call_detail, name="call_detail"),
    path("<int:call_id>/dispatch/", board.call_dispatch, name="call_dispatch"),
    path("<int:call_id>/assign/", board.assign, name="assign"),
    path(
        "assignments/<int:assignment_id>/status/", board.assignment_status, name="assignment_status"
    ),
    path("teams/<int:team_id>/status/", board.team_status, name="team_status"),
]

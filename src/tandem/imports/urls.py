from django.urls import path

from tandem.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<int:run_id>/", views.run_detail, name="run_detail"),
]

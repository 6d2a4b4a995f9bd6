from django.urls import path

from tandem.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("reviews/", views.plan_reviews, name="plan_reviews"),
    path("new/", views.plan_new, name="plan_new"),
    path("<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:plan_id>/submit/", views.plan_submit, name="plan_submit"),
    path("<int:plan_id>/decide/", views.plan_decide, name="plan_decide"),
    path("<int:plan_id>/revise/", views.plan_revise, name="plan_revise"),
]

from django.urls import path

from tandem.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.outgoing, name="outgoing"),
    path("incoming/", views.incoming, name="incoming"),
    path("new/<int:encounter_id>/", views.referral_new, name="referral_new"),
    path("<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("<int:referral_id>/status/", views.referral_status, name="referral_status"),
]

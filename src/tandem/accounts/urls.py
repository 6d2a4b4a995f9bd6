from django.contrib.auth import views as auth_views
from django.urls import path

from tandem.accounts import views, views_tokens
from tandem.accounts.middleware import two_factor_exempt

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        two_factor_exempt(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", two_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("tokens/", views_tokens.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke", views_tokens.token_revoke, name="token_revoke"),
]

"""Sign-in and the home page of each role."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.accounts import services
from tandem.accounts.roles import ROLE_PURPOSE
from tandem.accounts.selectors import home_figures


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = request.user.memberships_cached()
    roles = [{"membership": m, "purpose": ROLE_PURPOSE[m.role]} for m in memberships]
    return render(
        request,
        "accounts/home.html",
        {"roles": roles, "figures": home_figures(actor=request.user)},
    )


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """What django-axes answers once an account is locked on this device (429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    services.lockout_record(username=username)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked.html", {"minutes": minutes}, status=429)

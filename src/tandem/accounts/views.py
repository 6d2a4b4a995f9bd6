"""Sign-in and the home page of each role."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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

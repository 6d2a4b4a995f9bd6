"""Sign-in (password, then the second factor) and the home page of each role."""

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tandem.accounts import otp, services
from tandem.accounts.middleware import two_factor_exempt
from tandem.accounts.roles import ROLE_PURPOSE, TWO_FACTOR_ROLES
from tandem.accounts.selectors import home_figures

# Session key: this session's user gave a good enrolment code and may set up an app.
ENROLMENT_CODE_PASSED = "tandem_enrolment_code_passed"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = request.user.memberships_cached()
    roles = [{"membership": m, "purpose": ROLE_PURPOSE[m.role]} for m in memberships]
    return render(
        request,
        "accounts/home.html",
        {
            "roles": roles,
            "figures": home_figures(actor=request.user),
            "two_factor_on": otp.device_of(request.user) is not None,
        },
    )


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """What django-axes answers once an account is locked on this device (429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    services.lockout_record(username=username)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked.html", {"minutes": minutes}, status=429)


@two_factor_exempt
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: a code from the person's authenticator app."""
    next_url = _next_url(request)
    if otp.is_verified(request.user):
        return redirect(next_url)
    device = otp.device_of(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:two_factor_enrol')}?{urlencode({'next': next_url})}")
    error = _code_checked(request, device)
    if request.method == "POST" and not error:
        return _signed_in(request, device, next_url)
    return render(
        request,
        "accounts/two_factor.html",
        {"next": next_url, "error": error, "digits": device.digits},
        status=400 if error else 200,
    )


@two_factor_exempt
@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm a code.

    Required before the first sign-in of the roles in TWO_FACTOR_ROLES (after a one-time
    enrolment code from an administrator); anyone else may choose it from their home
    page. One device per person: replacing it is an administrator's reset (`tandem
    otp-reset`, which gives a new enrolment code), so a stolen password cannot swap it.
    """
    next_url = _next_url(request)
    if otp.device_of(request.user) is not None:
        return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': next_url})}")
    roles = [m for m in request.user.memberships_cached() if m.role in TWO_FACTOR_ROLES]
    required = otp.two_factor_required(request.user)
    if required and request.session.get(ENROLMENT_CODE_PASSED) != request.user.pk:
        return _enrolment_code_step(request, next_url, roles)
    device = services.two_factor_enrolment_start(actor=request.user)
    error = _code_checked(request, device)
    if request.method == "POST" and not error:
        messages.success(
            request,
            "Two-factor sign-in is set up. From now on, sign in with your password and a "
            "code from the app.",
        )
        request.session.pop(ENROLMENT_CODE_PASSED, None)
        return _signed_in(request, device, next_url)
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "next": next_url,
            "error": error,
            "digits": device.digits,
            "qr_svg": otp.qr_svg(device),
            "secret": otp.secret_for_typing(device),
            "step_seconds": device.step,
            "required_by": roles[0].get_role_display() if roles else None,
            "required": required,
        },
        status=400 if error else 200,
    )


def _enrolment_code_step(request: HttpRequest, next_url: str, roles: list) -> HttpResponse:
    """Where a second factor is required, enrolment starts with a one-time code from an
    administrator (`tandem otp-enrolment-code`): a password alone must not be enough to
    put someone's phone on an account that has none."""
    error = ""
    if request.method == "POST" and "enrolment_code" in request.POST:
        typed = request.POST["enrolment_code"]
        if not services.enrolment_code_normal(typed):
            error = "Enter the enrolment code your administrator gave you."
        else:
            error = services.enrolment_code_redeem(actor=request.user, code=typed)
        if not error:
            request.session[ENROLMENT_CODE_PASSED] = request.user.pk
            enrol = reverse("accounts:two_factor_enrol")
            return redirect(f"{enrol}?{urlencode({'next': next_url})}")
    return render(
        request,
        "accounts/two_factor_enrolment_code.html",
        {
            "next": next_url,
            "error": error,
            "hours": services.ENROLMENT_CODE_HOURS,
            "required_by": roles[0].get_role_display() if roles else None,
        },
        status=400 if error else 200,
    )


def _code_checked(request: HttpRequest, device) -> str:
    """For a POST, the reason its code was refused ('' when accepted); '' for a GET."""
    if request.method != "POST":
        return ""
    code = "".join(request.POST.get("code", "").split())
    if not (code.isdigit() and len(code) == device.digits):
        return (
            f"Enter the {device.digits} digits your authenticator app shows for Tandem, "
            f"for example {'123456789'[: device.digits]}."
        )
    check = services.two_factor_check(actor=request.user, device=device, code=code)
    if check.accepted:
        return ""
    if check.wait_seconds:
        return (
            f"Too many wrong codes in a row. Wait {check.wait_seconds} seconds, then enter "
            "the newest code from the app."
        )
    return (
        "That code does not match. Enter the newest code from the app; if codes keep "
        "failing, check that the device's clock sets itself automatically."
    )


def _signed_in(request: HttpRequest, device, next_url: str) -> HttpResponse:
    # A new session key for the now fully signed-in session (as Django does at login).
    request.session.cycle_key()
    django_otp.login(request, device)
    return redirect(next_url)


def _next_url(request: HttpRequest) -> str:
    """Where to go once signed in: `next` if it stays on this site, else the home page."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else resolve_url(settings.LOGIN_REDIRECT_URL)

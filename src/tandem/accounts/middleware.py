"""Sessions: signing a shared tablet out when idle, and holding a sign-in at the second
factor until its code is entered."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

from tandem.accounts import otp

LAST_SEEN = "tandem_last_seen"
# Requests a page makes on its own (the live board's refresh) carry this header and do
# not count as use: a board left open on a tablet still times out.
POLL_HEADER = "X-Tandem-Poll"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.IDLE_TIMEOUT_MINUTES * 60
        if limit and request.user.is_authenticated:
            now = time.time()
            seen = request.session.get(LAST_SEEN)
            if seen is not None and now - seen > limit:
                logout(request)
                return self._signed_out(request)
            if POLL_HEADER not in request.headers or seen is None:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    def _signed_out(self, request):
        message = (
            f"You were signed out after {settings.IDLE_TIMEOUT_MINUTES} minutes without "
            "activity. Sign in again to continue."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"path": "$", "message": message}]}, status=401)
        if request.headers.get("HX-Request"):
            response = JsonResponse({}, status=401)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        messages.info(request, message)
        return redirect_to_login(request.get_full_path())


def two_factor_exempt(view):
    """Mark a view a signed-in session may open before its second factor (sign-in and
    sign-out, the code and enrolment steps)."""
    view.two_factor_exempt = True
    return view


class TwoFactorMiddleware:
    """Until a session has passed its second factor, every view but the exempt ones
    answers with the way to the code step: a redirect for pages, HX-Redirect for htmx,
    401 for the API. Sets `request.two_factor_pending` for the page shell (no navigation).

    Installed after django-otp's OTPMiddleware, which finds the verified device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.two_factor_pending = (
            user.is_authenticated and not otp.is_verified(user) and otp.second_factor_due(user)
        )
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.two_factor_pending or getattr(view_func, "two_factor_exempt", False):
            return None
        step = reverse("accounts:two_factor")
        message = "Sign-in is not complete: enter the code from your authenticator app."
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"path": "$", "message": message}]}, status=401)
        if request.headers.get("HX-Request"):
            response = JsonResponse({}, status=401)
            response["HX-Redirect"] = step
            return response
        return redirect(f"{step}?{urlencode({'next': request.get_full_path()})}")

"""Signing a shared tablet out when nobody has used it for a while."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import resolve_url

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

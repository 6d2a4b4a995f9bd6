"""The API tokens page: list your tokens, make one for one of your roles, revoke one."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.accounts import otp, tokens


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """GET lists the tokens; POST makes one and shows its key, this once only."""
    errors: dict[str, list[str]] = {}
    new = None
    if request.method == "POST":
        try:
            new = tokens.api_token_create(
                actor=request.user,
                membership_id=_int(request.POST.get("membership", "")),
                name=request.POST.get("name", ""),
                expires_at=_end_of_day(request.POST.get("expires_at", "")),
                two_factor_verified=otp.is_verified(request.user),
            )
        except ValidationError as exc:
            errors = exc.message_dict
    today = timezone.localdate()
    response = render(
        request,
        "accounts/tokens.html",
        {
            "tokens": tokens.api_tokens_of(actor=request.user),
            "memberships": request.user.memberships_cached(),
            "new": new,
            "errors": errors,
            # A new token's form starts empty; a refused one keeps what was typed.
            "data": request.POST if errors else {},
            "default_expiry": today + tokens.DEFAULT_LIFETIME,
            "latest_expiry": today + timedelta(days=365),
            "today": today,
        },
        status=400 if errors else 200,
    )
    if new is not None:
        response["Cache-Control"] = "no-store"  # the key must not linger in any cache
    return response


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = tokens.api_token_revoke(actor=request.user, token_id=token_id)
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, f"Token '{token.name}' revoked; it no longer works.")
    return redirect("accounts:tokens")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _end_of_day(value: str) -> datetime | None:
    """A token chosen to expire on a day works until that day's end, local time."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))

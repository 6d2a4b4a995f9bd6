"""API tokens: a key that acts as one of its owner's memberships, and nothing more.

A key reads `tdm_<key id>_<secret>`. The key id finds the row; the secret is 32 random
bytes, stored only as its SHA-256 hash and shown once, when the token is made. A fast
hash is enough here: unlike a password the secret carries 256 bits of chance, so there
is nothing to guess, and every API request checks it.

A request carrying a token acts with ONLY the token's membership: the user object the
view receives holds that membership alone, so `privacy.policy.actor_for`, role checks
and the audit trail all see one agency and one role, whatever else the person holds. A
stolen officer's token reads what that officer may read in that agency, no more.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from tandem.accounts import otp
from tandem.accounts.models import ApiToken, Membership, User
from tandem.accounts.roles import TWO_FACTOR_ROLES
from tandem.privacy.services import audit_record

PREFIX = "tdm_"
MAX_LIFETIME = timedelta(days=366)  # "at most a year", leap years included
DEFAULT_LIFETIME = timedelta(days=90)
# last_used_at is written at most this often, so a busy client does not turn every read
# into a write.
LAST_USED_STEP = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # the whole key; shown to its owner once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def second_factor_needed(user: User, membership: Membership) -> bool:
    """A token skips the second factor on every later request, so making one needs a
    session that passed it whenever the role, or the user's sign-in, asks for one."""
    return membership.role in TWO_FACTOR_ROLES or otp.second_factor_due(user)


@transaction.atomic
def api_token_create(
    *,
    actor: User,
    membership_id: int,
    name: str,
    expires_at: datetime | None,
    two_factor_verified: bool,
) -> NewToken:
    """Make a token for one of the actor's own memberships; the key is returned once."""
    membership = next((m for m in actor.memberships_cached() if m.pk == membership_id), None)
    problems: dict[str, str] = {}
    now = timezone.now()
    if membership is None:
        problems["membership"] = "Choose one of your own roles for the token to act as."
    elif not two_factor_verified and second_factor_needed(actor, membership):
        problems["membership"] = (
            f"A token acting as {membership.get_role_display()} needs a sign-in with "
            "your second factor first."
        )
    if not name.strip():
        problems["name"] = "Name the token after what will use it, e.g. 'CAD bridge'."
    elif len(name.strip()) > 100:
        problems["name"] = "Keep the name to 100 characters."
    if expires_at is None:
        problems["expires_at"] = "Give an expiry date (YYYY-MM-DD), at most a year ahead."
    elif expires_at <= now:
        problems["expires_at"] = "The expiry date must be in the future."
    elif expires_at > now + MAX_LIFETIME:
        problems["expires_at"] = "A token may last at most a year; choose an earlier date."
    if problems:
        raise ValidationError(problems)
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        owning_agency_id=membership.owning_agency_id,
        created_by=actor,
        updated_by=actor,
        user=actor,
        membership=membership,
        name=name.strip(),
        key_id=key_id,
        key_hash=_digest(secret),
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="api_token_create",
        obj=token,
        agency_id=membership.owning_agency_id,
        reason=f"token {key_id} '{token.name}' as {membership}, expires {expires_at:%Y-%m-%d}",
    )
    return NewToken(token=token, key=f"{PREFIX}{key_id}_{secret}")


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working on the next request."""
    token = (
        ApiToken.objects.select_for_update()
        .select_related("membership__owning_agency")
        .filter(pk=token_id, user=actor)
        .first()
    )
    if token is None:
        raise Http404("No such token.")
    if token.revoked_at is not None:
        raise ValidationError({"token": f"Token '{token.name}' was already revoked."})
    token.revoked_at = timezone.now()
    token.updated_by = actor
    token.save(update_fields=["revoked_at", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="api_token_revoke",
        obj=token,
        agency_id=token.owning_agency_id,
        reason=f"token {token.key_id} '{token.name}' as {token.membership}",
    )
    return token


def api_tokens_of(*, actor: User) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(user=actor).select_related("membership__owning_agency")[:200]
    )


def token_authenticate(key: str) -> tuple[User, ApiToken]:
    """The user acting through `key`, holding only the token's membership."""
    key_id, _, secret = key.removeprefix(PREFIX).partition("_")
    if not key.startswith(PREFIX) or not key_id or not secret:
        raise AuthenticationFailed(
            "Not a Tandem API token: expected 'Authorization: Bearer tdm_<id>_<secret>'."
        )
    token = (
        ApiToken.objects.select_related("user", "membership__owning_agency")
        .filter(key_id=key_id)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _digest(secret)):
        raise AuthenticationFailed("Unknown API token.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise AuthenticationFailed(
            f"This API token was revoked on {timezone.localtime(token.revoked_at):%Y-%m-%d}; "
            "make a new one at /accounts/tokens/."
        )
    if token.expires_at <= now:
        raise AuthenticationFailed(
            f"This API token expired at the end of "
            f"{timezone.localtime(token.expires_at):%Y-%m-%d}; make a new one at /accounts/tokens/."
        )
    if not token.user.is_active:
        raise AuthenticationFailed("The account this API token belongs to is disabled.")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user  # a fresh instance for this request alone
    user._memberships = [token.membership]
    user.api_token = token
    return user, token


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer tdm_...` on API requests. Listed first in settings so an
    API request without credentials is answered 401 with a `WWW-Authenticate` header."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise AuthenticationFailed(
                "Malformed Authorization header: expected 'Bearer tdm_<id>_<secret>'."
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("The API token holds characters no token has.") from None
        return token_authenticate(key)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    """Names the token in the OpenAPI schema, so clients and fuzzers know to send it."""

    target_class = TokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tdm_<id>_<secret>",
            "description": "An API token made at /accounts/tokens/; it acts as one role "
            "at one agency.",
        }

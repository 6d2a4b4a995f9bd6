"""Two-factor sign-in with TOTP (django-otp): who needs it, the enrolment QR code, codes.

A session has passed the second factor when django-otp's middleware finds, in the
session, a confirmed device of the signed-in user (`user.is_verified()`); the code step
puts it there. The second factor is due for members of a role in `TWO_FACTOR_ROLES`,
for everyone when the program's sign-in policy says so, and for anyone who enrolled a
device of their own accord: once enrolled, a device is always asked for.
"""

import hashlib
import time
from base64 import b32encode

import segno
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pydantic import BaseModel, ConfigDict

from tandem.accounts.models import SignInPolicy, User
from tandem.accounts.roles import TWO_FACTOR_ROLES

# The name a device gets; one per person (an administrator resets it, `tandem otp-reset`).
DEVICE_NAME = "Authenticator app"


class TwoFactorSpec(BaseModel):
    """The program file's `two_factor:` section (stored as `accounts.SignInPolicy`)."""

    model_config = ConfigDict(extra="forbid")

    # Every role signs in with a second factor, not only those in TWO_FACTOR_ROLES.
    required_for_all: bool = False


def two_factor_required(user: User) -> bool:
    """Whether the user's roles, or their program, require a second factor."""
    memberships = user.memberships_cached()
    if any(m.role in TWO_FACTOR_ROLES for m in memberships):
        return True
    # A program's policy is kept under its regional administrator, which owns every
    # other agency of the program (and owns none itself).
    programs = {m.owning_agency.owning_agency_id or m.owning_agency_id for m in memberships}
    return SignInPolicy.objects.filter(
        owning_agency_id__in=programs, two_factor_for_all=True
    ).exists()


def device_of(user: User) -> TOTPDevice | None:
    """The user's confirmed device, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def second_factor_due(user: User) -> bool:
    """Whether this user's sign-in is complete only after a code."""
    return device_of(user) is not None or two_factor_required(user)


def is_verified(user) -> bool:
    """Whether this request's session has passed the second factor (django-otp's check)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def qr_svg(device: TOTPDevice) -> str:
    """The device's `otpauth://` address as a QR code, drawn as inline SVG (no script)."""
    code = segno.make(device.config_url, error="m")
    svg = code.svg_inline(
        scale=1,
        omitsize=True,
        svgclass="tandem-qr",
        lineclass=None,
        title="QR code of your sign-in key, for an authenticator app",
        dark="#1b1b1b",
        light="#ffffff",
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def code_for(device: TOTPDevice) -> str:
    """The code the device accepts next: the current one, or the next step's when the
    current one was already used (each code signs in once)."""
    step = (int(time.time()) - device.t0) // device.step + device.drift
    ahead = max(0, device.last_t + 1 - step)
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{value:0{device.digits}d}"


# The demo's logins enrol a device whose key is derived from the username, so every demo
# database gives the same codes and `tandem otp-code` can print them. Public by design:
# `otp-code` refuses any device whose key is not this one.
DEMO_KEY_LABEL = b"tandem demo sign-in key for "


def demo_key(username: str) -> str:
    """The demo login's TOTP key (20 bytes, hex), derived from its username."""
    return hashlib.sha256(DEMO_KEY_LABEL + username.encode()).hexdigest()[:40]

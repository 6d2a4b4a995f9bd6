"""Template context for the page shell: the signed-in user's membership and navigation."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from tandem.accounts.roles import Role

# The pages each role's primary navigation links to, in order, as (label, URL name).
# A URL name that is not wired yet is skipped, so apps can land one at a time.
ROLE_NAV: dict[str, list[tuple[str, str]]] = {
    Role.DISPATCHER: [
        ("Home", "home"),
        ("Calls", "dispatch:call_list"),
        ("People", "people:person_list"),
    ],
    Role.OFFICER: [
        ("Home", "home"),
        ("Calls", "dispatch:call_list"),
        ("Encounters", "encounters:encounter_list"),
        ("People", "people:person_list"),
    ],
    Role.CLINICIAN: [
        ("Home", "home"),
        ("Calls", "dispatch:call_list"),
        ("Encounters", "encounters:encounter_list"),
        ("People", "people:person_list"),
    ],
    Role.NAVIGATOR: [
        ("Home", "home"),
        ("People", "people:person_list"),
        ("Encounters", "encounters:encounter_list"),
    ],
    Role.SUPERVISOR: [
        ("Home", "home"),
        ("Calls", "dispatch:call_list"),
        ("Encounters", "encounters:encounter_list"),
        ("People", "people:person_list"),
    ],
    Role.ANALYST: [("Home", "home"), ("API", "api-docs")],
    Role.REGIONAL_ADMIN: [("Home", "home")],
    Role.PRIVACY_OFFICER: [("Home", "home"), ("Audit log", "privacy:audit_list")],
    Role.SYSTEM_ADMIN: [("Home", "home"), ("API", "api-docs")],
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav_items` for the header and `current_membership` for the user menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_membership": None}
    membership = user.primary_membership
    role = membership.role if membership else None
    return {
        "nav_items": nav_items(ROLE_NAV.get(role, []), request.path),
        "current_membership": membership,
    }


def nav_items(entries: list[tuple[str, str]], path: str) -> list[dict[str, Any]]:
    items = []
    for label, url_name in entries:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "current": is_current(url, path)})
    return items


def is_current(url: str, path: str) -> bool:
    # Home is current only on itself; a section is current on its own sub-pages too.
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")

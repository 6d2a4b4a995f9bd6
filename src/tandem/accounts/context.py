"""Template context for the page shell: the signed-in user's membership and navigation."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from tandem.accounts.roles import Perm
from tandem.privacy.policy import actor_for

# Primary navigation, in order: (label, URL name, permission that shows it). A link
# appears exactly when the user's roles grant the permission the page itself checks.
NAV: list[tuple[str, str, Perm | None]] = [
    ("Home", "home", None),
    ("Board", "dispatch:board", Perm.TAKE_CALLS),
    ("New call", "dispatch:intake", Perm.TAKE_CALLS),
    ("Calls", "dispatch:call_list", Perm.VIEW_CALLS),
    ("Encounters", "encounters:encounter_list", Perm.VIEW_ENCOUNTERS),
    ("People", "people:person_list", Perm.VIEW_PEOPLE),
    ("Familiar faces", "people:familiar_list", Perm.WORK_FOLLOWUPS),
    ("Follow-ups", "followups:queue", Perm.WORK_FOLLOWUPS),
    ("Crisis plans", "plans:plan_list", Perm.WORK_FOLLOWUPS),
    ("Match review", "people:link_review", Perm.WORK_FOLLOWUPS),
    ("Referrals", "referrals:outgoing", Perm.WORK_FOLLOWUPS),
    ("Directory", "directory:search", None),
    ("Audit trail", "privacy:audit_list", Perm.VIEW_AUDIT),
    ("Emergency access", "privacy:emergency_queue", Perm.VIEW_AUDIT),
    ("Figures", "metrics:dashboard", Perm.VIEW_AGGREGATES),
    ("Grant report", "metrics:reports", Perm.VIEW_AGGREGATES),
    ("Imports", "imports:run_list", Perm.MANAGE_PROGRAM),
    ("Sharing agreements", "privacy:agreement_list", Perm.MANAGE_PROGRAM),
    ("API tokens", "accounts:tokens", None),
]
# Pages only the clinical staff of a behavioral-health provider can use: a police
# supervisor holds WORK_FOLLOWUPS through the shared supervisor role, but these pages
# have nothing for them.
CLINICAL_ONLY = {"followups:queue", "plans:plan_list", "referrals:outgoing"}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav_items` for the header and `current_membership` for the user menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_membership": None}
    if getattr(request, "two_factor_pending", False):  # nothing opens before the code step
        return {"nav_items": [], "current_membership": user.primary_membership}
    clinical = bool(actor_for(user).clinical_agencies)
    items = [
        {"label": label, "url": reverse(url_name)}
        for label, url_name, perm in NAV
        if (perm is None or user.has_perm_in(perm)) and (clinical or url_name not in CLINICAL_ONLY)
    ]
    # The current section is the longest link the path falls under (so /calls/new/ marks
    # "New call", not also "Calls"); home only on itself.
    matches = [i["url"] for i in items if within(request.path, i["url"])]
    current = max(matches, key=len, default=None)
    for item in items:
        item["current"] = item["url"] == current
    return {"nav_items": items, "current_membership": user.primary_membership}


def within(path: str, url: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")

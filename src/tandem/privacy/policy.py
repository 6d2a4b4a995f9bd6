"""The access policy: which records an actor may see, and which segments of them.

This is the one place the rules live. Selectors call `scope()` to filter rows and
`redact()` to blank the fields an actor may not read; nothing else decides.

Rules, in brief (docs/architecture.md has the table):
- rows: members of the owning agency; police of the call's agency; members of the team
  assigned; the 911 center for calls. Roles without casework permissions see no rows.
  Referrals and follow-ups: only the treating provider's clinical staff (for referrals,
  also the clinical staff of the agency owning the receiving service).
- `safety` and operational fields: anyone who may see the row.
- `cji`: police and 911-center roles (dispatcher, officer, supervisor) of the owning
  agency or the call's agency.
- `clinical`: clinicians, navigators and clinical supervisors of the treating provider
  (the owning agency), or of an agency named in the person's active consent.
- `part2`: as `clinical`, but from another agency only with a consent covering Part 2.
- Police roles never read `clinical` or `part2`, whatever any consent says.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tandem.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from tandem.agencies.models import AgencyKind
from tandem.privacy.segments import CJI, CLINICAL, PART2, SAFETY, Segment, segmented_fields

POLICE_KINDS = {AgencyKind.POLICE, AgencyKind.PSAP}
POLICE_ROLES = {Role.DISPATCHER, Role.OFFICER, Role.SUPERVISOR}
CLINICAL_ROLES = {Role.CLINICIAN, Role.NAVIGATOR, Role.SUPERVISOR}


@dataclass(frozen=True)
class Actor:
    """The acting user's agencies, split by what their roles there allow."""

    user_id: int
    casework_agencies: frozenset[int]
    police_agencies: frozenset[int]
    clinical_agencies: frozenset[int]
    psap: bool

    @property
    def any_casework(self) -> bool:
        return bool(self.casework_agencies)


def actor_for(user) -> Actor:
    if not user.is_authenticated:
        return Actor(0, frozenset(), frozenset(), frozenset(), False)
    casework, police, clinical, psap = set(), set(), set(), False
    for m in user.memberships_cached():
        kind = m.owning_agency.kind
        if Perm.VIEW_CALLS in ROLE_PERMISSIONS[m.role]:
            casework.add(m.owning_agency_id)
        if m.role in POLICE_ROLES and kind in POLICE_KINDS:
            police.add(m.owning_agency_id)
            psap = psap or kind == AgencyKind.PSAP
        if m.role in CLINICAL_ROLES and kind == AgencyKind.BEHAVIORAL_HEALTH:
            clinical.add(m.owning_agency_id)
    return Actor(user.pk, frozenset(casework), frozenset(police), frozenset(clinical), psap)


# Row scope per model: how a record relates to the owning agency, the call and the team.
# Each entry names the lookups from the model to (call owning agency, assigned team).
_RELATIONS: dict[str, dict[str, str]] = {
    "dispatch.call": {"call_agency": "owning_agency", "team": "assignments__team"},
    "dispatch.assignment": {"call_agency": "call__owning_agency", "team": "team"},
    "encounters.encounter": {"call_agency": "call__owning_agency", "team": "assignment__team"},
    "encounters.screening": {
        "call_agency": "encounter__call__owning_agency",
        "team": "encounter__assignment__team",
    },
    "people.person": {"call_agency": "calls__owning_agency", "team": "calls__assignments__team"},
    "privacy.consent": {},
    # A crisis plan: its provider's staff, and members of a team sent to a call about the
    # person (officers read its `safety` part; plans.selectors shows them approved ones only).
    "plans.crisisplan": {"team": "person__calls__assignments__team"},
}
# A referral or follow-up is itself health information (a referral to a detox program
# discloses substance use), so only the treating provider's clinical staff see the rows.
CLINICAL_ROWS = {
    "referrals.referral",
    "followups.followup",
    "followups.followupattempt",
    "referrals.referralevent",
}
# ... and the clinical staff of the other end: the agency that owns the service a
# referral was sent to (it updates the status); for a referral's status events, both ends.
CLINICAL_ROW_PARTIES: dict[str, tuple[str, ...]] = {
    "referrals.referral": ("service__owning_agency",),
    "referrals.referralevent": ("referral__owning_agency", "referral__service__owning_agency"),
}


def scope(user, queryset: models.QuerySet) -> models.QuerySet:
    """Rows of `queryset` the user may see at all."""
    actor = actor_for(user)
    if not actor.any_casework:
        return queryset.none()
    label = queryset.model._meta.label_lower
    emergency = emergency_person_ids(user)
    if label in CLINICAL_ROWS:
        parties = Q(owning_agency__in=actor.clinical_agencies)
        for lookup in CLINICAL_ROW_PARTIES.get(label, ()):
            parties |= Q(**{f"{lookup}__in": actor.clinical_agencies})
        if emergency and (field := _PERSON_FIELD.get(label)):
            parties |= Q(**{f"{field}__in": emergency})
        return queryset.filter(parties)
    if label not in _RELATIONS:
        raise LookupError(f"no row policy for {label}; add one to privacy.policy")
    relation = _RELATIONS[label]
    if label == "dispatch.call" and actor.psap:
        return queryset
    allowed = Q(owning_agency__in=actor.casework_agencies)
    if "call_agency" in relation:
        allowed |= Q(**{f"{relation['call_agency']}__in": actor.police_agencies})
        if actor.psap:
            allowed |= Q(**{f"{relation['call_agency']}__isnull": False})
    if "team" in relation:
        allowed |= Q(**{f"{relation['team']}__members__user_id": actor.user_id})
    if label == "people.person":
        allowed |= Q(encounters__owning_agency__in=actor.casework_agencies)
    if emergency and (field := _PERSON_FIELD.get(label)):
        allowed |= Q(**{f"{field}__in": emergency})
    ids = queryset.filter(allowed).values("pk")
    return queryset.filter(pk__in=ids)


# How each model names the person it is about, for emergency access (break-the-glass).
_PERSON_FIELD = {
    "people.person": "pk",
    "dispatch.call": "subject",
    "encounters.encounter": "person",
    "encounters.screening": "encounter__person",
    "privacy.consent": "person",
    "plans.crisisplan": "person",
    "referrals.referral": "person",
    "referrals.referralevent": "referral__person",
    "followups.followup": "person",
    "followups.followupattempt": "followup__person",
}


def emergency_person_ids(user) -> dict[int, frozenset[Segment]]:
    """People whose records the user opened in an emergency, with the segments opened."""
    from tandem.privacy.emergency import active_person_ids

    return active_person_ids(user)


def person_id_of(record) -> int | None:
    if record._meta.label_lower == "people.person":
        return record.pk
    return getattr(record, "person_id", None) or getattr(record, "subject_id", None)


def consent_segments(actor: Actor, person_id: int | None, disclosing_agency_id: int) -> set:
    """Segments an active consent lets the actor's clinical agencies read."""
    from tandem.privacy.models import Consent

    if person_id is None or not actor.clinical_agencies:
        return set()
    now = timezone.now()
    consents = Consent.objects.filter(
        person_id=person_id,
        owning_agency_id=disclosing_agency_id,
        recipients__in=actor.clinical_agencies,
        revoked_at__isnull=True,
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    granted: set[Segment] = set()
    for consent in consents:
        granted.add(CLINICAL)
        if consent.includes_part2:
            granted.add(PART2)
    return granted


def readable_segments(user, record) -> frozenset[Segment]:
    """Segments of a record (already in the user's scope) the user may read."""
    actor = actor_for(user)
    owner = record.owning_agency_id
    call_agency = _call_agency_id(record)
    readable = {SAFETY}
    if actor.police_agencies & {owner, call_agency} or (actor.psap and call_agency):
        readable.add(CJI)
    if owner in actor.clinical_agencies:
        readable |= {CLINICAL, PART2}
    else:
        readable |= consent_segments(actor, person_id_of(record), owner)
        readable |= emergency_person_ids(user).get(person_id_of(record), frozenset())
    return frozenset(readable)


def _call_agency_id(record) -> int | None:
    label = record._meta.label_lower
    if label == "dispatch.call":
        return record.owning_agency_id
    call = getattr(record, "call", None)
    if call is None and getattr(record, "encounter", None) is not None:
        call = record.encounter.call
    return call.owning_agency_id if call is not None else None


def redact(user, record):
    """Blank the segmented fields the user may not read; mark the record unsaveable.

    Returns the set of segments actually disclosed (non-empty values the user can read),
    so the caller can audit reads of health data.
    """
    readable = readable_segments(user, record)
    withheld, disclosed = set(), set()
    for name, seg in segmented_fields(type(record)).items():
        if seg in readable:
            if getattr(record, name) not in (None, "", False):
                disclosed.add(seg)
            continue
        field = record._meta.get_field(name)
        setattr(record, name, None if field.null or isinstance(field, models.BooleanField) else "")
        withheld.add(name)
    record._redacted = True
    record.withheld = frozenset(withheld)
    record.readable_segments = readable
    return frozenset(disclosed)


def strip(record, *, keep: Segment | None = None):
    """Blank every segmented field but those of `keep`: for lists and summaries."""
    withheld = set()
    for name, seg in segmented_fields(type(record)).items():
        if seg == keep:
            continue
        field = record._meta.get_field(name)
        setattr(record, name, None if field.null or isinstance(field, models.BooleanField) else "")
        withheld.add(name)
    record._redacted = True
    record.withheld = frozenset(withheld)
    return record

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
  (the owning agency). Another provider's clinical staff read it only when BOTH a
  data-sharing agreement in force covers `clinical` from the owning agency to theirs
  (`agreement_segments`) AND the person's active consent names their agency
  (`consent_segments`); or during an emergency access (`privacy.emergency`), which does
  not depend on agreements.
- `part2`: as `clinical`, but across agencies the agreement must cover `part2` and the
  consent must include Part 2.
- `psychotherapy`: clinicians and clinical supervisors of the owning agency only; never
  by consent, agreement or emergency.
- Police roles never read `clinical`, `part2` or `psychotherapy`, whatever any consent or
  agreement says: only behavioral-health agencies' clinical staff are ever granted them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tandem.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from tandem.agencies.models import AgencyKind
from tandem.privacy.segments import (
    CJI,
    CLINICAL,
    PART2,
    PSYCHOTHERAPY,
    SAFETY,
    Segment,
    segmented_fields,
)

POLICE_KINDS = {AgencyKind.POLICE, AgencyKind.PSAP}
POLICE_ROLES = {Role.DISPATCHER, Role.OFFICER, Role.SUPERVISOR}
CLINICAL_ROLES = {Role.CLINICIAN, Role.NAVIGATOR, Role.SUPERVISOR}
# Psychotherapy notes are for the treating clinicians, not the case managers.
THERAPY_ROLES = {Role.CLINICIAN, Role.SUPERVISOR}
# What may cross to another agency by consent and agreement, or in an emergency.
SHAREABLE_HEALTH = frozenset({CLINICAL, PART2})


@dataclass(frozen=True)
class Actor:
    """The acting user's agencies, split by what their roles there allow."""

    user_id: int
    casework_agencies: frozenset[int]
    police_agencies: frozenset[int]
    clinical_agencies: frozenset[int]
    psap: bool
    therapy_agencies: frozenset[int] = frozenset()

    @property
    def any_casework(self) -> bool:
        return bool(self.casework_agencies)


def actor_for(user) -> Actor:
    if not user.is_authenticated:
        return Actor(0, frozenset(), frozenset(), frozenset(), False)
    casework, police, clinical, therapy, psap = set(), set(), set(), set(), False
    for m in user.memberships_cached():
        kind = m.owning_agency.kind
        if Perm.VIEW_CALLS in ROLE_PERMISSIONS[m.role]:
            casework.add(m.owning_agency_id)
        if m.role in POLICE_ROLES and kind in POLICE_KINDS:
            police.add(m.owning_agency_id)
            psap = psap or kind == AgencyKind.PSAP
        if m.role in CLINICAL_ROLES and kind == AgencyKind.BEHAVIORAL_HEALTH:
            clinical.add(m.owning_agency_id)
        if m.role in THERAPY_ROLES and kind == AgencyKind.BEHAVIORAL_HEALTH:
            therapy.add(m.owning_agency_id)
    return Actor(
        user.pk,
        frozenset(casework),
        frozenset(police),
        frozenset(clinical),
        psap,
        frozenset(therapy),
    )


# The 911 center takes every call in the region: it sees the calls, their assignments
# and the people they are about, never what followed (encounters, screenings, plans).
PSAP_ROWS = {"dispatch.call", "dispatch.assignment", "people.person"}

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
        if actor.psap and label in PSAP_ROWS:
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
    """Segments the person's consents in force let the actor's clinical agencies read.

    Consent alone opens nothing across agencies: `readable_segments` also asks for an
    agreement (`agreement_segments`), agency by agency.
    """
    consented = _consented(actor.clinical_agencies, person_id, disclosing_agency_id, timezone.now())
    return set().union(*consented.values())


def _consented(
    agency_ids, person_id: int | None, disclosing_agency_id: int, at: datetime
) -> dict[int, set[Segment]]:
    """Recipient agency -> segments its clinical staff may read under the person's
    consents in force at `at` given to the disclosing agency.

    A consent given on another agency's record of the same person (a linked record)
    counts: it is the person's consent, whichever record it was written against.
    """
    from tandem.people.selectors import linked_ids
    from tandem.privacy.models import Consent

    if person_id is None or not agency_ids:
        return {}
    rows = (
        Consent.recipients.through.objects.filter(
            agency_id__in=agency_ids,
            consent__person_id__in=linked_ids(person_id),
            consent__owning_agency_id=disclosing_agency_id,
        )
        .filter(Q(consent__revoked_at__isnull=True) | Q(consent__revoked_at__gt=at))
        .filter(Q(consent__expires_at__isnull=True) | Q(consent__expires_at__gt=at))
        .values_list("agency_id", "consent__includes_part2")
    )
    granted: dict[int, set[Segment]] = {}
    for agency_id, includes_part2 in rows:
        granted.setdefault(agency_id, set()).update(
            {CLINICAL, PART2} if includes_part2 else {CLINICAL}
        )
    return granted


def agreement_segments(
    disclosing_agency_id: int, receiving_agency_ids, at: datetime
) -> frozenset[Segment]:
    """Segments a data-sharing agreement in force at `at` lets flow from the disclosing
    agency to any of the receiving agencies (one-way agreements in their direction only)."""
    from tandem.privacy.models import AgreementDirection, DataSharingAgreement

    receiving = set(receiving_agency_ids) - {disclosing_agency_id}
    if not receiving:
        return frozenset()
    day = timezone.localdate(at)
    covering = (
        DataSharingAgreement.objects.filter(
            Q(disclosing_agency_id=disclosing_agency_id, receiving_agency_id__in=receiving)
            | Q(
                direction=AgreementDirection.BOTH_WAYS,
                disclosing_agency_id__in=receiving,
                receiving_agency_id=disclosing_agency_id,
            ),
            starts_on__lte=day,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
    )
    known = set(Segment)
    return frozenset(
        Segment(seg)
        for covered in covering.values_list("segments", flat=True)
        for seg in covered
        if seg in known
    )


def shared_segments(actor: Actor, person_id: int | None, owner: int, at: datetime) -> frozenset:
    """Health segments of another agency's record open to the actor's clinical agencies:
    for each agency, those its agreement covers AND the person's consent grants."""
    granted: set[Segment] = set()
    for agency_id, consented in _consented(actor.clinical_agencies, person_id, owner, at).items():
        granted |= consented & agreement_segments(owner, {agency_id}, at)
    return frozenset(granted & SHAREABLE_HEALTH)


def readable_segments(user, record) -> frozenset[Segment]:
    """Segments of a record (already in the user's scope) the user may read."""
    actor = actor_for(user)
    owner = record.owning_agency_id
    call_agency = _call_agency_id(record)
    readable = {SAFETY}
    if actor.police_agencies & {owner, call_agency} or (actor.psap and call_agency):
        readable.add(CJI)
    if owner in actor.clinical_agencies:
        readable |= SHAREABLE_HEALTH
    else:
        person_id = person_id_of(record)
        readable |= shared_segments(actor, person_id, owner, timezone.now())
        readable |= emergency_person_ids(user).get(person_id, frozenset()) & SHAREABLE_HEALTH
    if owner in actor.therapy_agencies:
        readable.add(PSYCHOTHERAPY)
    return frozenset(readable)


# The legal basis recorded with each read of health data, by how the reader got it.
BASIS_TREATMENT = "Treatment by the program holding the record (45 CFR 164.506)"
BASIS_CONSENT = "Written consent (42 CFR 2.31; HIPAA 164.508)"


def read_basis(user, record) -> str:
    """Why the user may read the record's health data, for the audit trail and the
    accounting of disclosures: the program's own treatment, a consent under an
    agreement, or an emergency access (consent first when both apply)."""
    actor = actor_for(user)
    owner = record.owning_agency_id
    if owner in actor.clinical_agencies:
        return BASIS_TREATMENT
    person_id = person_id_of(record)
    if shared_segments(actor, person_id, owner, timezone.now()):
        return BASIS_CONSENT
    opened = emergency_person_ids(user).get(person_id)
    if opened:
        from tandem.privacy.models import EmergencyBasis

        medical = PART2 in opened  # a medical emergency opens Part 2; a threat does not
        return (
            EmergencyBasis.MEDICAL_EMERGENCY if medical else EmergencyBasis.SERIOUS_THREAT
        ).label
    return ""


def writable_segments(user, record) -> frozenset[Segment]:
    """Segments of a record the user may write: what they may read, except that health
    segments are written only by the treating provider's own clinical staff. A consent,
    an agreement or an emergency opens another provider's record to be read, never to
    be changed."""
    readable = readable_segments(user, record)
    if record.owning_agency_id in actor_for(user).clinical_agencies:
        return readable
    return readable - SHAREABLE_HEALTH - {PSYCHOTHERAPY}


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

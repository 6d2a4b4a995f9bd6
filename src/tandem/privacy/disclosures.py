"""The accounting of disclosures: to whom a person's health information went, and why.

HIPAA (45 CFR 164.528) gives a person the right to a list of the disclosures of their
protected health information over the last six years, each with its date, recipient, a
description of what was disclosed and the purpose; the 2024 Part 2 rule adds the same
right for substance-use treatment records. A disclosure here is any time one agency's
clinical or Part 2 record reached someone outside that agency:

- a read by another agency's staff (under a consent, an emergency access, or anything
  else the audit trail recorded);
- an emergency access (break-the-glass) that opened the agency's records;
- an export of the person's clinical or Part 2 information.

The list is stricter than 164.528, which leaves out treatment and authorised
disclosures: a person sees every time their record left the agency. It describes what
went (the kind of record and its segments), never the clinical content itself. It is
built from the audit trail and the emergency-access register, and only from the records
of the agencies the privacy officer answers for. Producing it is itself audited.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from datetime import date, datetime, timedelta

from django.apps import apps
from django.db.models import F, Q
from django.utils import timezone

from tandem.accounts.roles import Role
from tandem.agencies.models import Agency
from tandem.privacy import policy
from tandem.privacy.emergency import SEGMENTS_BY_BASIS
from tandem.privacy.models import AuditEvent, Consent, ConsentStatus, EmergencyAccess
from tandem.privacy.notices import PART2_REDISCLOSURE
from tandem.privacy.segments import CLINICAL, PART2, PSYCHOTHERAPY, Segment
from tandem.privacy.selectors import day_start, privacy_officer_agencies, segment_q
from tandem.privacy.services import audit_record

RETENTION_YEARS = 6  # 164.528(a): the six years before the request
SEGMENT_LABELS = {
    CLINICAL: "mental-health information",
    PART2: "substance-use treatment information (42 CFR Part 2)",
    PSYCHOTHERAPY: "psychotherapy notes",
}
ROLE_NAMES = dict(Role.choices)
CONSENT_BASIS = policy.BASIS_CONSENT
UNRECORDED_BASIS = "Not recorded: review this disclosure"
SCOPE_NOTE = (
    "Every disclosure outside the agency that held the record is listed, including "
    "disclosures for treatment and those made with the person's consent, which HIPAA "
    "(45 CFR 164.528) would allow an accounting to leave out. Each line says what kind "
    "of information was disclosed, not the information itself. Disclosures alike in all "
    "but their time share one line, with the first and last dates and how many."
)
PART2_NOTICE = PART2_REDISCLOSURE  # 42 CFR 2.32, printed on every page of the PDF


@dataclass(frozen=True)
class Disclosure:
    """One line of the accounting: one disclosure, or several alike (same recipient,
    same information, same purpose and basis), as 164.528(b)(3) allows to summarise."""

    at: datetime  # the first
    kind: str  # "read", "emergency access" or "export"
    recipient: str  # the person who received it, with their role
    recipient_agency: str
    disclosed_by: str  # the agency (or agencies) whose record it was
    description: str  # what kind of record, which segments: never the content
    purpose: str
    legal_basis: str
    part2: bool
    times: int = 1
    last_at: datetime | None = None  # the last, when more than one

    @property
    def when(self) -> str:
        """The date, or the first and last dates and how many times."""
        if self.times == 1:
            return _local(self.at)
        return f"{_local(self.at)} to {_local(self.last_at)}, {self.times} times"


def default_period(today: date | None = None) -> tuple[date, date]:
    """The six years up to today, as 164.528 asks unless the person wants less."""
    today = today or timezone.localdate()
    try:
        since = today.replace(year=today.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        since = today.replace(year=today.year - RETENTION_YEARS, day=28)
    return since, today


def disclosures_account(
    *, actor, person_id: int, since: date, until: date, medium: str = "page"
) -> list[Disclosure]:
    """Every disclosure of the person's health information from the actor's agencies in
    the period (both days included), oldest first; the accounting is audited.

    The person's linked records count as the same person. Call only for a person the
    actor's agencies hold records of (`selectors.held_person_get`).
    """
    from tandem.people.selectors import linked_ids

    mine = privacy_officer_agencies(actor)
    ids = linked_ids(person_id)
    start, end = day_start(since), day_start(until + timedelta(days=1))
    accesses = list(
        EmergencyAccess.objects.filter(person_id__in=ids)
        .select_related("recipient")
        .prefetch_related("disclosing_agencies")
    )
    consents = list(Consent.objects.filter(person_id__in=ids).prefetch_related("recipients"))
    lines = [_from_event(e, accesses, consents) for e in _disclosure_events(mine, ids, start, end)]
    lines += [
        _from_access(a)
        for a in accesses
        if start <= a.started_at < end and {d.pk for d in a.disclosing_agencies.all()} & set(mine)
    ]
    lines = summarised(lines)
    audit_record(
        actor=actor,
        action="accounting",
        person_id=person_id,
        reason=(
            f"Accounting of disclosures, {since:%Y-%m-%d} to {until:%Y-%m-%d}, "
            f"{sum(line.times for line in lines)} listed ({medium})"
        ),
        agency_id=mine[0],
    )
    return lines


def summarised(lines: list[Disclosure]) -> list[Disclosure]:
    """Disclosures alike in all but time merged into one line, in order of the first."""
    merged: dict[tuple, Disclosure] = {}
    for line in sorted(lines, key=lambda line: line.at):
        key = astuple(replace(line, at=None, times=1, last_at=None))
        first = merged.get(key)
        merged[key] = (
            replace(first, times=first.times + line.times, last_at=line.last_at or line.at)
            if first
            else line
        )
    return list(merged.values())


def _disclosure_events(agencies, person_ids, start, end):
    """Audit events in which the agencies' clinical or Part 2 records about the person
    went outside the agency: read by another agency's staff, or exported."""
    health = segment_q(CLINICAL) | segment_q(PART2) | segment_q(PSYCHOTHERAPY)
    outside = Q(record_agency__in=agencies) & ~Q(owning_agency=F("record_agency"))
    exported = Q(action="export") & (
        Q(record_agency__in=agencies) | Q(record_agency__isnull=True, owning_agency__in=agencies)
    )
    return (
        AuditEvent.objects.filter(person_id__in=person_ids, at__gte=start, at__lt=end)
        .filter(health)
        .filter(outside | exported)
        .select_related("actor", "owning_agency", "record_agency")
        .order_by("at", "id")
    )


def _from_event(event: AuditEvent, accesses, consents) -> Disclosure:
    segments = {Segment(s) for s in event.segments.split(",") if s in SEGMENT_LABELS}
    basis, purpose = _basis(event, segments, accesses, consents)
    return Disclosure(
        at=event.at,
        kind="export" if event.action == "export" else event.action.replace("_", " "),
        recipient=_who(event.actor, event.actor_role),
        recipient_agency=event.owning_agency.name,
        disclosed_by=event.record_agency.name if event.record_agency else "",
        description=describe(event.object_type, segments),
        purpose=purpose,
        legal_basis=basis,
        part2=PART2 in segments,
    )


def _from_access(access: EmergencyAccess) -> Disclosure:
    segments = SEGMENTS_BY_BASIS[access.legal_basis]
    return Disclosure(
        at=access.started_at,
        kind="emergency access",
        recipient=_who(access.recipient, ""),
        recipient_agency=access.recipient_affiliation,
        disclosed_by=access.disclosed_by,
        description="All records of the person held by the programs named, for "
        f"{_minutes(access)} minutes: " + _segment_list(segments),
        purpose=f"Emergency: {access.nature_of_emergency}. Needed because: {access.reason}",
        legal_basis=access.get_legal_basis_display(),
        part2=PART2 in segments,
    )


def _basis(event: AuditEvent, segments, accesses, consents) -> tuple[str, str]:
    """The legal basis and purpose of a disclosure.

    What allowed the read at that moment, with its detail: the recipient's emergency
    access, or a consent of the person naming the recipient's agency that was in force
    then; failing those, the basis the read recorded. A disclosure with none is listed
    as such, for the privacy officer to review.
    """
    for access in accesses:
        opened = access.started_at <= event.at <= access.expires_at
        if opened and access.recipient_id == event.actor_id:
            return (
                access.get_legal_basis_display(),
                f"Emergency access opened {_local(access.started_at)}",
            )
    for consent in consents:
        if _consent_covers(consent, event, segments):
            return CONSENT_BASIS, f"{consent.purpose} (consent signed {consent.signed_at:%Y-%m-%d})"
    if event.legal_basis:
        return event.legal_basis, event.reason
    return UNRECORDED_BASIS, event.reason


def _consent_covers(consent: Consent, event: AuditEvent, segments) -> bool:
    """Whether the consent let the event's agency receive these segments at that time."""
    return (
        consent.owning_agency_id == event.record_agency_id
        and any(a.pk == event.owning_agency_id for a in consent.recipients.all())
        and consent.signed_at <= event.at
        and consent.status_at(event.at) == ConsentStatus.ACTIVE
        and (PART2 not in segments or consent.includes_part2)
    )


def describe(object_type: str, segments) -> str:
    """'Encounter: mental-health information', from the model label and segments."""
    return f"{record_kind(object_type) or 'Records'}: {_segment_list(segments)}"


def record_kind(object_type: str) -> str:
    """'Encounter' for 'encounters.encounter': the kind of record, in words."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        return object_type


def _segment_list(segments) -> str:
    return ", ".join(label for s, label in SEGMENT_LABELS.items() if s in segments)


def _who(user, role: str) -> str:
    if user is None:
        return "System"
    name = user.get_full_name() or user.get_username()
    return f"{name} ({ROLE_NAMES.get(role, role)})" if role else name


def _minutes(access: EmergencyAccess) -> int:
    return round((access.expires_at - access.started_at).total_seconds() / 60)


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def accounting_pdf(*, actor, person, lines: list[Disclosure], since: date, until: date) -> bytes:
    """The accounting as a PDF to hand to the person; the §2.32 notice is printed on
    every page when any Part 2 information is listed."""
    from tandem.core import pdf  # loads fpdf2 and vl-convert: only when a PDF is asked for

    part2 = any(line.part2 for line in lines)
    agencies = Agency.objects.filter(pk__in=privacy_officer_agencies(actor)).order_by("name")
    born = f", born {person.date_of_birth:%Y-%m-%d}" if person.date_of_birth else ""
    report = pdf.document(
        "Accounting of disclosures",
        subtitle=f"{person.given_name} {person.family_name}{born} · record {person.pk}",
        notice=PART2_NOTICE if part2 else "",
    )
    report.paragraph(
        f"Disclosures from {since:%Y-%m-%d} to {until:%Y-%m-%d} of this person's "
        f"mental-health and substance-use treatment information held by "
        f"{', '.join(a.name for a in agencies)}, as recorded by Tandem. {SCOPE_NOTE}"
    )
    report.heading(f"Disclosures ({sum(line.times for line in lines)})")
    if lines:
        report.table(
            ["Date", "Recipient", "Disclosed by", "What was disclosed", "Purpose", "Legal basis"],
            [
                [
                    line.when,
                    f"{line.recipient}, {line.recipient_agency}",
                    line.disclosed_by,
                    line.description,
                    line.purpose,
                    line.legal_basis,
                ]
                for line in lines
            ],
            widths=(2.2, 2.6, 2, 3.6, 3.4, 2.4),
        )
    else:
        report.paragraph("No disclosure was recorded in this period.")
    prepared_by = actor.get_full_name() or actor.get_username()
    report.paragraph(
        f"Prepared by {prepared_by}, privacy officer, on {_local(timezone.now())}.",
        muted=True,
    )
    return report.output()

"""The one way a call enters Tandem, whatever the channel.

The dispatcher's form, `POST /api/calls`, EIDO documents from a CAD, an officer's
request for a clinician, a team's self-initiated contact and 988 transfers all build a
`CallIntake` and hand it to `call_intake`. A repeated incident id updates its call.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.agencies.models import Jurisdiction
from tandem.dispatch.models import Call, CallSource, CallStatus, DispatchEvent, ResponseMode
from tandem.dispatch.triage import Protocol, TriageInput, default_protocol, protocol_read, triage
from tandem.dispatch.units import haversine_km


@dataclass
class CallIntake:
    source: str
    call_type: str
    apco_code: str = ""
    received_at: datetime | None = None
    location_text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    jurisdiction_id: int | None = None
    narrative: str = ""
    answers: dict[str, bool | None] = field(default_factory=dict)
    incident_id: str | None = None
    subject_id: int | None = None
    priority: int = 3


@cache
def active_protocol() -> Protocol:
    """The program's protocol: TANDEM_TRIAGE_PROTOCOL if set, else the demo protocol."""
    path = getattr(settings, "TRIAGE_PROTOCOL", "")
    return protocol_read(path) if path else default_protocol()


def protocol_fallbacks(protocol: Protocol | None = None) -> dict[str, str]:
    """Mode -> the mode to offer when no team of it is free, from the protocol."""
    protocol = protocol or active_protocol()
    return {mode: protocol.fallbacks.of(mode) for mode in ResponseMode.values}


def _jurisdiction_for(intake: CallIntake) -> Jurisdiction | None:
    if intake.jurisdiction_id is not None:
        return Jurisdiction.objects.select_related("owning_agency").get(pk=intake.jurisdiction_id)
    if intake.latitude is None or intake.longitude is None:
        return None
    point = (intake.latitude, intake.longitude)
    nearest = min(
        Jurisdiction.objects.select_related("owning_agency"),
        key=lambda j: haversine_km(point, (j.latitude, j.longitude)),
        default=None,
    )
    if (
        nearest
        and haversine_km(point, (nearest.latitude, nearest.longitude)) <= nearest.radius_km * 1.5
    ):
        return nearest
    return None


def _triage(intake: CallIntake, protocol: Protocol):
    return triage(
        protocol,
        TriageInput(
            call_type=intake.call_type,
            apco_code=intake.apco_code,
            answers=intake.answers,
            narrative=intake.narrative,
            source=intake.source,
        ),
    )


def _apply(call: Call, intake: CallIntake, result, jurisdiction) -> None:
    call.source = intake.source
    call.call_type = intake.call_type
    call.apco_code = result.apco_code
    call.received_at = intake.received_at or call.received_at or timezone.now()
    call.location_text = intake.location_text
    call.latitude, call.longitude = intake.latitude, intake.longitude
    call.jurisdiction = jurisdiction
    call.narrative = intake.narrative
    call.priority = intake.priority
    call.subject_id = intake.subject_id or call.subject_id
    call.behavioral_health = result.behavioral_health
    call.classified = result.classified
    call.triage_answers = dict(intake.answers)
    call.risk_level = result.risk_level
    call.recommended_mode = result.mode
    call.recommendation = result.to_dict()
    call.protocol_version = result.protocol_version


def call_intake(
    *, actor, intake: CallIntake, protocol: Protocol | None = None
) -> tuple[Call, bool]:
    """Create (or, for a known incident id, update) a call and triage it. -> (call, created)"""
    # Reads and triage happen before the write transaction, which on SQLite holds the
    # database's one write lock: keep it as short as possible.
    jurisdiction = _jurisdiction_for(intake)
    result = _triage(intake, protocol or active_protocol())
    with transaction.atomic():
        return _store(actor, intake, result, jurisdiction)


def _store(actor, intake: CallIntake, result, jurisdiction) -> tuple[Call, bool]:
    call = None
    if intake.incident_id:
        call = Call.objects.select_for_update().filter(incident_id=intake.incident_id).first()
    created = call is None
    if created:
        owner = jurisdiction.owning_agency_id if jurisdiction else _actor_agency(actor)
        call = Call(
            owning_agency_id=owner,
            incident_id=intake.incident_id,
            number=f"pending-{uuid.uuid4().hex[:24]}",
            created_by=_user(actor),
            status=CallStatus.PENDING,
        )
    _apply(call, intake, result, jurisdiction)
    call.updated_by = _user(actor)
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:
        # Another request created the same incident a moment ago: update that one.
        if not intake.incident_id:
            raise
        return _store(actor, intake, result, jurisdiction)
    if created:
        call.number = f"{call.received_at:%y}-{call.pk:07d}"
        Call.objects.filter(pk=call.pk).update(number=call.number)
    event_record(
        actor=actor,
        call=call,
        kind="intake" if created else "update",
        detail=f"{CallSource(call.source).label}: {call.call_type}; "
        f"recommended {call.get_recommended_mode_display() or '—'}",
    )
    return call, created


def event_record(
    *, actor, kind: str, detail: str = "", call=None, team=None, assignment=None
) -> DispatchEvent:
    owner = _actor_agency(actor) or (call.owning_agency_id if call else team.owning_agency_id)
    return DispatchEvent.objects.create(
        owning_agency_id=owner,
        at=timezone.now(),
        call=call,
        team=team,
        assignment=assignment,
        kind=kind,
        detail=detail[:300],
        actor=_user(actor),
        created_by=_user(actor),
    )


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _actor_agency(actor) -> int | None:
    membership = actor.primary_membership if _user(actor) else None
    return membership.owning_agency_id if membership else None

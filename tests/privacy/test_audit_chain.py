"""The audit trail is a hash chain: edits, deletions and insertions are detected."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tandem.privacy.chain import verify
from tandem.privacy.models import AuditEvent
from tandem.privacy.services import audit_record

pytestmark = pytest.mark.django_db


def _events(region, n=4):
    return [
        audit_record(
            actor=region.clinician, action="read", obj=region.encounter, segments=["clinical"]
        )
        for _ in range(n)
    ]


def _sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_events_are_chained_in_order_and_the_chain_verifies(region):
    events = _events(region)
    seqs = [e.seq for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    result = verify()
    assert result.intact and result.events == AuditEvent.objects.count()
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact" in out.getvalue()


def test_an_edited_event_is_detected(region):
    events = _events(region)
    _sql("UPDATE privacy_auditevent SET reason = %s WHERE id = %s", "x", events[1].pk)
    result = verify()
    assert not result.intact
    assert f"event {events[1].seq} (id {events[1].pk}) was altered" == result.problem
    with pytest.raises(CommandError, match="was altered"):
        call_command("audit", "verify", stdout=io.StringIO())


def test_a_deleted_event_is_detected(region):
    events = _events(region)
    _sql("DELETE FROM privacy_auditevent WHERE id = %s", events[2].pk)
    assert verify().problem == f"events {events[2].seq} to {events[2].seq} are missing"


def test_the_newest_event_deleted_is_detected_through_the_chain_head(region):
    events = _events(region)
    _sql("DELETE FROM privacy_auditevent WHERE id = %s", events[-1].pk)
    assert verify().problem == f"events {events[-1].seq} to {events[-1].seq} are missing"


def test_an_edited_event_with_a_recomputed_hash_still_breaks_the_next_link(region):
    from tandem.privacy.chain import SEALED_FIELDS, event_hash

    events = _events(region)
    forged = AuditEvent.objects.values(*SEALED_FIELDS).get(pk=events[1].pk)
    forged["reason"] = "routine"
    _sql(
        "UPDATE privacy_auditevent SET reason = %s, hash = %s WHERE id = %s",
        "routine",
        event_hash(forged),
        events[1].pk,
    )
    assert verify().problem == f"event {events[2].seq} does not follow event {events[1].seq}"

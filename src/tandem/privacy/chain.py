"""The audit trail's hash chain: sealing each new event and verifying the whole chain.

An event's hash is SHA-256 over a canonical JSON of its fields and the previous event's
hash. Editing any field of any event, inserting one or deleting one breaks every hash
from there on; the chain head (`AuditChainHead`) also catches events removed from the
end. Verification streams the chain in order and names the first break it finds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from tandem.privacy.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
SEALED_FIELDS = (
    "seq",
    "at",
    "owning_agency_id",
    "actor_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "record_agency_id",
    "segments",
    "reason",
    "legal_basis",
    "prev_hash",
)


def event_hash(values: dict) -> str:
    """The hash of one event from its sealed field values (`at` as an aware datetime)."""
    fields = {name: values[name] for name in SEALED_FIELDS}
    if fields["record_agency_id"] is None:
        del fields["record_agency_id"]  # events sealed before the field existed
    fields["at"] = fields["at"].isoformat(timespec="microseconds")
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def seal(event: AuditEvent) -> None:
    """Give an unsaved event its place in the chain and move the head to it.

    Call inside a transaction: the head's row lock orders concurrent writers.
    """
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event.seq = head.seq + 1
    event.prev_hash = head.hash
    event.hash = event_hash({name: getattr(event, name) for name in SEALED_FIELDS})
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])


@dataclass(frozen=True)
class Verification:
    events: int
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def verify(batch: int = 5000) -> Verification:
    """Walk the chain in order and report the first break, if any."""
    expected_seq, prev = 1, GENESIS
    rows = AuditEvent.objects.order_by("seq").values(*SEALED_FIELDS, "hash", "pk")
    count = 0
    for row in rows.iterator(chunk_size=batch):
        count += 1
        if row["seq"] != expected_seq:
            return Verification(count, f"events {expected_seq} to {row['seq'] - 1} are missing")
        if row["prev_hash"] != prev:
            return Verification(count, f"event {row['seq']} does not follow event {row['seq'] - 1}")
        if event_hash(row) != row["hash"]:
            return Verification(count, f"event {row['seq']} (id {row['pk']}) was altered")
        expected_seq, prev = expected_seq + 1, row["hash"]
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (expected_seq - 1, prev):
        if head_seq > expected_seq - 1:
            return Verification(count, f"events {expected_seq} to {head_seq} are missing")
        return Verification(count, "the chain head does not match the newest event")
    return Verification(count)

"""Data segments: every sensitive field declares which one it belongs to.

A field is declared with `segment(models.TextField(...), CLINICAL)`. Fields with no
segment are operational: anyone allowed to see the record sees them.
"""

from enum import StrEnum
from typing import TypeVar

from django.db import models


class Segment(StrEnum):
    CJI = "cji"  # police narrative, charges, arrests
    SAFETY = "safety"  # hazards, de-escalation tips, who to call
    CLINICAL = "clinical"  # screening answers, risk, clinical notes, diagnoses
    PART2 = "part2"  # substance-use treatment information (42 CFR Part 2)
    # A therapist's own notes, kept apart from the record (HIPAA 45 CFR 164.501): read by
    # the clinicians of the author's agency only, never by consent, agreement or emergency.
    PSYCHOTHERAPY = "psychotherapy"
    AGGREGATE = "aggregate"  # de-identified counts with small cells suppressed


CJI, SAFETY, CLINICAL, PART2, PSYCHOTHERAPY, AGGREGATE = (
    Segment.CJI,
    Segment.SAFETY,
    Segment.CLINICAL,
    Segment.PART2,
    Segment.PSYCHOTHERAPY,
    Segment.AGGREGATE,
)
# Segments whose every read is audited and which no police role ever receives.
HEALTH_SEGMENTS = frozenset({CLINICAL, PART2, PSYCHOTHERAPY})

F = TypeVar("F", bound=models.Field)


def segment(field: F, seg: Segment) -> F:
    """Tag a model field with its data segment; returns the field for inline use."""
    field.segment = seg  # type: ignore[attr-defined]
    return field


def field_segment(field: models.Field) -> Segment | None:
    return getattr(field, "segment", None)


def segmented_fields(model: type[models.Model]) -> dict[str, Segment]:
    """Field name -> segment for every segmented field of a model."""
    return {
        f.name: f.segment  # type: ignore[attr-defined]
        for f in model._meta.get_fields()
        if getattr(f, "segment", None) is not None
    }

"""One intake service for every channel; triage stored with its protocol version."""

import pytest

from tandem.dispatch.intake import CallIntake, active_protocol, call_intake
from tandem.dispatch.models import Call, DispatchEvent

pytestmark = pytest.mark.django_db

CLEAR = {"weapon": False, "violence": False, "medical": False, "crime": False}


def test_a_call_is_triaged_and_stored_with_its_rules_and_protocol_version(dispatch_region):
    call, created = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(
            source="911",
            call_type="WELFARE",
            jurisdiction_id=dispatch_region.city.pk,
            answers=CLEAR,
        ),
    )
    assert created
    assert call.behavioral_health and call.classified
    assert call.recommended_mode == "clinician_only"
    assert call.protocol_version == active_protocol().version
    assert call.recommendation["rules_fired"], "the recommendation explains itself"
    assert call.owning_agency == dispatch_region.pd
    assert call.number.endswith(f"{call.pk:07d}")
    assert DispatchEvent.objects.filter(
        call=call, kind="intake", actor=dispatch_region.dispatcher
    ).exists()


def test_an_unknown_call_type_is_kept_and_marked_unclassified(dispatch_region):
    call, _ = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(
            source="911", call_type="ZZ-NEW-CODE", narrative="says he wants to kill himself"
        ),
    )
    assert Call.objects.filter(pk=call.pk, classified=False).exists()
    assert call.behavioral_health
    assert call.risk_level in {"moderate", "high"}


def test_a_repeated_incident_id_updates_the_call_instead_of_adding_one(dispatch_region):
    first, created = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(source="cad_feed", call_type="EDP", incident_id="urn:x:1"),
    )
    second, again = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(source="cad_feed", call_type="SUICTHRT", incident_id="urn:x:1"),
    )
    assert created and not again
    assert first.pk == second.pk
    assert Call.objects.filter(incident_id="urn:x:1").count() == 1
    assert Call.objects.get(pk=first.pk).call_type == "SUICTHRT"


def test_the_jurisdiction_is_found_from_coordinates(dispatch_region):
    call, _ = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(source="911", call_type="EDP", latitude=39.01, longitude=-94.31),
    )
    assert call.jurisdiction == dispatch_region.city


def test_a_988_transfer_keeps_its_source(dispatch_region):
    call, _ = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(
            source="988", call_type="SUICTHRT", jurisdiction_id=dispatch_region.city.pk
        ),
    )
    assert call.source == "988" and call.behavioral_health

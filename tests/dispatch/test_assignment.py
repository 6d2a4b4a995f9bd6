"""Assignment and unit status: attributed, ordered, never double-booked."""

import threading

import pytest
from django.db import connection, connections

from tandem.dispatch import services
from tandem.dispatch.intake import CallIntake, call_intake
from tandem.dispatch.models import Assignment, Call, DispatchEvent
from tests.conftest import requires_postgres

pytestmark = pytest.mark.django_db


def _call(region, call_type="EDP"):
    return call_intake(
        actor=region.dispatcher,
        intake=CallIntake(source="911", call_type=call_type, jurisdiction_id=region.city.pk),
    )[0]


def test_an_assignment_runs_from_assigned_to_cleared_with_each_step_timestamped(
    dispatch_region,
):
    r = dispatch_region
    call = _call(r)
    a = services.assignment_create(actor=r.dispatcher, call_id=call.pk, team_id=r.crisis_team.pk)
    r.crisis_team.refresh_from_db()
    assert r.crisis_team.status == "assigned"
    for step in ("en_route", "on_scene", "transporting", "cleared"):
        a = services.assignment_advance(actor=r.navigator, assignment_id=a.pk, status=step)
    assert a.assigned_at < a.en_route_at < a.on_scene_at < a.transporting_at < a.cleared_at
    r.crisis_team.refresh_from_db()
    assert r.crisis_team.status == "available"
    assert Call.objects.get(pk=call.pk).status == "closed"
    kinds = list(DispatchEvent.objects.filter(assignment=a).values_list("kind", "actor"))
    assert kinds[0] == ("assign", r.dispatcher.pk)
    assert ("status", r.navigator.pk) in kinds


def test_a_team_on_a_call_cannot_be_assigned_again(dispatch_region):
    r = dispatch_region
    first, second = _call(r), _call(r)
    services.assignment_create(actor=r.dispatcher, call_id=first.pk, team_id=r.team.pk)
    with pytest.raises(services.DispatchError, match="already assigned to call"):
        services.assignment_create(actor=r.dispatcher, call_id=second.pk, team_id=r.team.pk)


def test_steps_cannot_go_backwards(dispatch_region):
    r = dispatch_region
    a = services.assignment_create(actor=r.dispatcher, call_id=_call(r).pk, team_id=r.team.pk)
    services.assignment_advance(actor=r.officer, assignment_id=a.pk, status="on_scene")
    with pytest.raises(services.DispatchError, match="cannot go en route after on scene"):
        services.assignment_advance(actor=r.officer, assignment_id=a.pk, status="en_route")


def test_the_officers_return_to_patrol_is_kept_apart_from_the_clinicians_clear(dispatch_region):
    r = dispatch_region
    a = services.assignment_create(actor=r.dispatcher, call_id=_call(r).pk, team_id=r.team.pk)
    with pytest.raises(services.DispatchError, match="arrival on scene"):
        services.assignment_officer_returned(actor=r.officer, assignment_id=a.pk)
    services.assignment_advance(actor=r.officer, assignment_id=a.pk, status="on_scene")
    a = services.assignment_officer_returned(actor=r.officer, assignment_id=a.pk)
    assert a.officer_returned_at is not None and a.cleared_at is None
    a = services.assignment_advance(actor=r.clinician, assignment_id=a.pk, status="cleared")
    assert a.officer_returned_at < a.cleared_at


def test_an_officer_request_puts_the_call_back_on_the_board_for_a_clinician(dispatch_region):
    r = dispatch_region
    call = _call(r, call_type="DISORD")
    call = services.call_request_clinician(actor=r.officer, call_id=call.pk)
    assert call.status == "pending" and call.recommended_mode == "clinician_callout"
    assert call.events.filter(kind="clinician_requested", actor=r.officer).exists()


def test_a_self_initiated_contact_is_a_call_assigned_and_on_scene(dispatch_region):
    r = dispatch_region
    a = services.call_self_initiate(
        actor=r.navigator,
        team_id=r.crisis_team.pk,
        intake=CallIntake(source="911", call_type="WELFARE", jurisdiction_id=r.city.pk),
    )
    assert a.call.source == "self_initiated"
    assert a.on_scene_at is not None


def test_recoding_sets_the_final_type_and_the_bh_flag(dispatch_region):
    r = dispatch_region
    call = _call(r, call_type="DISORD")
    assert not call.behavioral_health
    call = services.call_recode(
        actor=r.clinician, call_id=call.pk, final_call_type="EDP", behavioral_health=True
    )
    assert call.final_call_type == "EDP" and call.behavioral_health and call.recoded_at


@requires_postgres()
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_assigning_one_team_at_once_yield_one_assignment_and_one_error(
    dispatch_region,
):
    r = dispatch_region
    calls = [_call(r), _call(r)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def assign(call):
        try:
            barrier.wait()
            services.assignment_create(actor=r.dispatcher, call_id=call.pk, team_id=r.team.pk)
            outcomes.append("assigned")
        except services.DispatchError as error:
            outcomes.append(f"error: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["assigned", "error"]
    assert Assignment.objects.filter(team=r.team, cleared_at__isnull=True).count() == 1
    assert connection.vendor == "postgresql"

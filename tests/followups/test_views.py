"""The navigator's queue: due, overdue and upcoming work; acting on a task; who may see it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.core.models import service_write
from tandem.followups.models import FollowUp, FollowUpAttempt, FollowUpStatus, Notification
from tandem.followups.selectors import OVERDUE, TODAY, UPCOMING, classify, queue

pytestmark = pytest.mark.django_db


def task(region, due_in: timedelta, assignee=None, **extra) -> FollowUp:
    with service_write():
        return FollowUp.objects.create(
            owning_agency=region.clinic,
            person=region.person,
            kind="post_crisis",
            due_at=timezone.now() + due_in,
            assigned_to=assignee,
            notes="Clinical note CNRYQ",
            **extra,
        )


def test_classify_splits_overdue_today_and_upcoming():
    now = timezone.localtime().replace(hour=12, minute=0)
    assert classify(now - timedelta(minutes=1), now) == OVERDUE
    assert classify(now + timedelta(hours=11), now) == TODAY
    assert classify(now + timedelta(hours=13), now) == UPCOMING


def test_the_queue_puts_each_task_in_its_section(rules_region):
    r = rules_region
    now = timezone.localtime().replace(hour=12, minute=0)
    late = task(r, timedelta(hours=-30), r.navigator)
    upcoming = task(r, timedelta(days=3), r.navigator)
    work = queue(actor=r.navigator, scope="mine", now=now)
    assert [t.pk for t in work.overdue] == [late.pk]
    assert [t.pk for t in work.upcoming] == [upcoming.pk]
    assert work.counts["mine"] == 2


def test_mine_team_and_agency_scopes(dispatch_region):
    r = dispatch_region  # the navigator is on the mobile crisis team, the clinician is not
    mine = task(r, timedelta(hours=1), r.navigator)
    colleague = task(r, timedelta(hours=1), r.clinician)
    nobody = task(r, timedelta(hours=1))

    def ids(scope):
        work = queue(actor=r.navigator, scope=scope)
        return {t.pk for t in work.overdue + work.today + work.upcoming}

    assert ids("mine") == {mine.pk}
    assert ids("agency") == {mine.pk, colleague.pk, nobody.pk}
    assert colleague.pk not in ids("team")


def test_the_queue_page_marks_overdue_work_in_words(rules_region, client):
    r = rules_region
    task(r, timedelta(hours=-2), r.navigator)
    client.force_login(r.navigator)
    page = client.get("/followups/").content.decode()
    assert "Overdue</span>" in page
    assert "Dana Reyes" in page
    assert "CNRYQ" not in page  # notes are not loaded for the list


@pytest.mark.parametrize("persona", ["officer", "police_supervisor", "dispatcher", "analyst"])
def test_police_and_analysts_see_no_queue_and_no_task(rules_region, client, persona):
    r = rules_region
    t = task(r, timedelta(hours=-2), r.navigator)
    client.force_login(getattr(r, persona))
    assert client.get("/followups/").status_code in (200, 404)
    body = client.get("/followups/").content.decode()
    assert "Dana" not in body
    assert client.get(f"/followups/{t.pk}/").status_code == 404


def test_recording_an_attempt_with_htmx_returns_the_row(rules_region, client):
    r = rules_region
    t = task(r, timedelta(hours=-2), r.navigator)
    client.force_login(r.navigator)
    response = client.post(
        f"/followups/{t.pk}/attempts/",
        {"method": "phone", "outcome": "no_answer", "notes": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<li") and "Attempt recorded." in html
    assert "1 attempt" in html
    assert FollowUpAttempt.objects.filter(followup=t, outcome="no_answer").exists()


def test_a_bad_attempt_keeps_the_form_open_with_the_error_by_the_field(rules_region, client):
    r = rules_region
    t = task(r, timedelta(hours=-2), r.navigator)
    client.force_login(r.navigator)
    response = client.post(
        f"/followups/{t.pk}/attempts/",
        {"method": "phone", "outcome": "", "notes": "kept text"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200  # htmx swaps only successful answers
    html = response.content.decode()
    assert f'id="t{t.pk}-attempt-outcome-error"' in html
    assert f'aria-describedby="t{t.pk}-attempt-outcome-error"' in html
    assert "kept text" in html  # nothing typed is lost
    assert not FollowUpAttempt.objects.exists()


def test_closing_from_the_queue_without_htmx_redirects_back(rules_region, client):
    r = rules_region
    t = task(r, timedelta(hours=1), r.navigator)
    client.force_login(r.navigator)
    response = client.post(
        f"/followups/{t.pk}/close/", {"reason": "engaged", "next": "/followups/?scope=agency"}
    )
    assert response.status_code == 302 and response.url == "/followups/?scope=agency"
    t.refresh_from_db()
    assert t.status == FollowUpStatus.CLOSED and t.closing_reason == "engaged"


def test_closing_as_unreachable_too_early_explains_why(rules_region, client):
    r = rules_region
    t = task(r, timedelta(hours=1), r.navigator)
    client.force_login(r.navigator)
    response = client.post(
        f"/followups/{t.pk}/close/", {"reason": "unable_to_reach"}, HTTP_HX_REQUEST="true"
    )
    assert "at least 3 recorded attempts" in response.content.decode()


def test_taking_a_task_assigns_it_to_me(rules_region, client):
    r = rules_region
    t = task(r, timedelta(hours=1))
    client.force_login(r.navigator)
    client.post(f"/followups/{t.pk}/take/", HTTP_HX_REQUEST="true")
    t.refresh_from_db()
    assert t.assigned_to == r.navigator


def test_the_header_shows_unread_notifications_and_they_can_be_read(rules_region, client):
    r = rules_region
    t = task(r, timedelta(hours=-1), r.navigator)
    Notification.objects.create(
        owning_agency=r.clinic,
        recipient=r.navigator,
        kind="followup_due",
        text="Follow-up due",
        url="/",
        followup=t,
    )
    client.force_login(r.navigator)
    assert "1 unread notification" in client.get("/followups/").content.decode()
    client.post("/followups/notifications/")
    assert "unread notification" not in client.get("/followups/").content.decode()

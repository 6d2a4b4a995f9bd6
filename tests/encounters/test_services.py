"""Saving the field form: drafts, one submission, screenings, derived flags, who may write."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tandem.agencies.models import Code, CodeList
from tandem.encounters import selectors
from tandem.encounters.instruments import InstrumentInvalid
from tandem.encounters.models import Encounter, Screening
from tandem.encounters.services import encounter_save, encounter_update, screening_record
from tandem.people.models import Person
from tandem.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db

HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}
LOW = {"q1": True, "q2": False, "q6": False}


def save(r, actor, token, submit=False, **kwargs):
    kwargs.setdefault("fields", {})
    return encounter_save(
        actor=actor,
        client_token=token,
        assignment_id=r.open_assignment.pk,
        submit=submit,
        **kwargs,
    )


def test_a_draft_sent_twice_is_one_encounter_owned_by_the_treating_provider(field_region, token):
    r = field_region
    first = save(r, r.clinician, token, fields={"behaviors": ["mania"]})
    again = save(r, r.clinician, token, fields={"behaviors": ["mania"]})
    assert first.pk == again.pk
    assert Encounter.objects.filter(client_token=token).count() == 1
    assert first.status == "draft" and first.owning_agency_id == r.clinic.pk
    assert first.call_id == r.call.pk
    assert AuditEvent.objects.filter(object_type="encounters.encounter").count() == 1


def test_a_replayed_submission_is_saved_and_audited_once(field_region, token):
    r = field_region
    fields = {"disposition": "resolved_on_scene"}
    first = save(r, r.clinician, token, submit=True, fields=fields)
    again = save(r, r.clinician, token, submit=True, fields=fields)
    assert first.pk == again.pk and again.status == "submitted"
    assert AuditEvent.objects.filter(action="submit").count() == 1


def test_a_submission_needs_a_disposition(field_region, token):
    with pytest.raises(ValidationError) as error:
        save(field_region, field_region.clinician, token, submit=True)
    assert "disposition" in error.value.message_dict
    assert not Encounter.objects.filter(client_token=token).exists()


def test_a_high_risk_screening_sets_needs_emergency_care_and_a_low_one_clears_it(
    field_region, token
):
    r = field_region
    encounter = save(r, r.clinician, token, screenings={"cssrs_screener": HIGH})
    assert encounter.needs_emergency_care
    assert Screening.objects.get(encounter=encounter).result == "high"
    corrected = save(r, r.clinician, token, screenings={"cssrs_screener": LOW})
    assert not corrected.needs_emergency_care


def test_a_ctrs_total_of_nine_needs_emergency_care(field_region, token):
    r = field_region
    answers = {"dangerousness": 3, "support_system": 3, "cooperation": 3}
    encounter = save(r, r.clinician, token, screenings={"ctrs": answers})
    assert encounter.needs_emergency_care
    screening = Screening.objects.get(encounter=encounter)
    assert (screening.result, screening.total) == ("hospitalisation", 9)


def test_a_draft_keeps_an_incomplete_screening_unscored(field_region, token):
    r = field_region
    encounter = save(r, r.clinician, token, screenings={"cssrs_screener": {"q1": True}})
    screening = Screening.objects.get(encounter=encounter)
    assert (screening.complete, screening.result) == (False, "")
    assert not encounter.needs_emergency_care


def test_a_submission_with_answers_to_skipped_items_names_the_item(field_region, token):
    r = field_region
    with pytest.raises(InstrumentInvalid) as error:
        save(
            r,
            r.clinician,
            token,
            submit=True,
            fields={"disposition": "resolved_on_scene"},
            screenings={"cssrs_screener": {**LOW, "q3": True}},
        )
    assert [key for key, _ in error.value.problems] == ["q3"]
    assert "item 3" in error.value.problems[0][1]
    assert not Encounter.objects.filter(client_token=token).exists()


def test_screened_moderate_risk_resolved_on_scene_is_diverted_from_hospital(field_region, token):
    r = field_region
    moderate = {"q1": True, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False}
    encounter = save(
        r,
        r.clinician,
        token,
        submit=True,
        fields={"disposition": "resolved_on_scene"},
        screenings={"cssrs_screener": moderate},
    )
    assert encounter.diverted_from_hospital
    assert not encounter.diverted_from_jail  # EDP is not an offence and none was marked


def test_an_arrestable_offence_not_arrested_is_diverted_from_jail(field_region, token):
    r = field_region
    draft = save(r, r.officer, token, fields={"arrestable_offence": True})
    encounter = save(r, r.officer, token, submit=True, fields={"disposition": "referral_only"})
    assert draft.pk == encounter.pk and encounter.diverted_from_jail
    arrested = encounter_update(actor=r.officer, encounter_id=encounter.pk, disposition="arrest")
    assert not arrested.diverted_from_jail


def test_a_call_typed_as_an_offence_counts_without_the_officers_mark(field_region, token):
    r = field_region
    r.call.apco_code = "TRESPASS"
    r.call.save()
    encounter = save(r, r.clinician, token, submit=True, fields={"disposition": "declined"})
    assert encounter.diverted_from_jail


def test_a_local_disposition_code_counts_as_its_standard_one(field_region, token):
    r = field_region
    Code.objects.create(
        owning_agency=r.pd,
        list=CodeList.DISPOSITION,
        code="96HR",
        label="96-hour hold",
        standard="involuntary_hold",
    )
    encounter = save(r, r.officer, token, submit=True, fields={"local_disposition": "96HR"})
    assert (encounter.disposition, encounter.local_disposition) == ("involuntary_hold", "96HR")
    with pytest.raises(ValidationError) as error:
        encounter_update(actor=r.officer, encounter_id=encounter.pk, local_disposition="XYZ")
    assert "not a disposition code of this program" in str(error.value)


def test_the_options_offer_local_codes_of_the_agencies_involved(field_region):
    r = field_region
    Code.objects.create(
        owning_agency=r.pd,
        list=CodeList.DISPOSITION,
        code="GOA",
        label="Gone",
        standard="unable_to_locate",
    )
    Code.objects.create(
        owning_agency=r.other_pd,
        list=CodeList.DISPOSITION,
        code="ELSE",
        label="x",
        standard="arrest",
    )
    groups = dict(selectors.disposition_choices(r.encounter))
    assert [value for value, _ in groups["Local codes"]] == ["code:GOA"]
    assert "counts as Unable to locate" in groups["Local codes"][0][1]


def test_an_officer_cannot_record_or_erase_clinical_data(field_region, token):
    r = field_region
    with pytest.raises(PermissionDenied):
        save(r, r.officer, token, screenings={"cssrs_screener": LOW})
    with pytest.raises(PermissionDenied):
        encounter_update(actor=r.officer, encounter_id=r.encounter.pk, clinical_notes="")
    with pytest.raises(PermissionDenied):
        screening_record(
            actor=r.officer, encounter_id=r.encounter.pk, instrument="cssrs_screener", answers=LOW
        )
    assert Encounter.objects.get(pk=r.encounter.pk).clinical_notes == "Calm after talking."


def test_a_clinician_cannot_write_the_police_report(field_region, token):
    with pytest.raises(PermissionDenied):
        save(field_region, field_region.clinician, token, fields={"force_used": True})


def test_the_officer_reads_that_a_screening_was_done_but_never_the_answers(field_region, token):
    r = field_region
    encounter = save(r, r.clinician, token, screenings={"cssrs_screener": HIGH})
    summary = selectors.screening_summary(actor=r.officer, encounter=encounter)
    assert summary == selectors.ScreeningSummary(done=True, needs_emergency_care=True)
    [seen] = selectors.screening_list(actor=r.officer, encounter=encounter)
    assert {"answers", "result", "instrument"} <= seen.withheld
    assert seen.answers == "" and seen.result == "" and seen.total is None
    [clinical] = selectors.screening_list(actor=r.clinician, encounter=encounter)
    assert clinical.answers == HIGH and clinical.result == "high"


def test_someone_not_on_the_team_cannot_start_or_change_the_encounter(field_region, token):
    r = field_region
    with pytest.raises(Http404):
        save(r, r.other_officer, token)
    save(r, r.officer, token)
    with pytest.raises(Http404):
        save(r, r.navigator, token)


def test_a_new_subject_becomes_a_person_on_submission_only(field_region, token):
    r = field_region
    subject = {"given_name": "Sam", "family_name": "Okafor", "phone": "555-0101"}
    draft = save(r, r.clinician, token, subject=subject)
    assert draft.person_id is None and draft.subject_entry["family_name"] == "Okafor"
    assert not Person.objects.filter(family_name="Okafor").exists()
    done = save(
        r, r.clinician, token, submit=True, subject=subject, fields={"disposition": "declined"}
    )
    person = Person.objects.get(family_name="Okafor")
    assert done.person_id == person.pk and done.subject_entry == {}
    assert person.owning_agency_id == r.clinic.pk


def test_a_chosen_match_must_be_a_person_the_actor_may_see(field_region, token):
    r = field_region
    stranger = Person.objects.create(owning_agency=r.other_pd, given_name="X", family_name="Y")
    with pytest.raises(ValidationError):
        save(r, r.clinician, token, person_id=stranger.pk)
    encounter = save(r, r.clinician, token, person_id=r.person.pk)
    assert encounter.person_id == r.person.pk


def test_every_screening_write_is_audited_with_its_segment(field_region, token):
    r = field_region
    encounter = save(r, r.clinician, token, screenings={"cssrs_screener": LOW})
    event = AuditEvent.objects.get(object_type="encounters.screening")
    assert (event.action, event.segments, event.person_id) == ("create", "clinical", None)
    assert event.actor_id == r.clinician.pk
    assert encounter.screenings.count() == 1


def test_time_on_scene_is_entered_or_worked_out(field_region, token):
    r = field_region
    encounter = save(r, r.clinician, token)
    start = encounter.started_at
    encounter = encounter_update(
        actor=r.clinician,
        encounter_id=encounter.pk,
        ended_at=start + timedelta(minutes=47),
    )
    assert encounter.time_on_scene == 47
    encounter = encounter_update(actor=r.clinician, encounter_id=encounter.pk, minutes_on_scene=30)
    assert encounter.time_on_scene == 30

"""The field encounter form: built per user from the fields they may write.

Every field is optional here, so an autosaved draft keeps whatever is valid so far;
what a submission needs is checked by `services.encounter_save`. A field the user may
not read (an officer and the screening, a clinician and the police report) is not on
the form at all.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from tandem.encounters import instruments
from tandem.encounters.models import (
    Behavior,
    ClinicalIntervention,
    Modality,
    PresentRole,
    ResponseAction,
    RiskLevel,
    WeaponKind,
)
from tandem.encounters.services import EDITABLE_FIELDS

PRESENT_ROWS = 5
YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_VALUES = {"yes": True, "no": False}
CTRS_SCORES = [(str(n), str(n)) for n in range(1, 6)]
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

# Model fields the form edits directly (form field name = model field name): the
# service's editable fields but those the form handles itself.
HANDLED_APART = {"person_id", "disposition", "local_disposition", "people_present", "subject_entry"}
MODEL_FIELDS = tuple(name for name in EDITABLE_FIELDS if name not in HANDLED_APART)
SUBJECT_FIELDS = ("given_name", "family_name", "date_of_birth", "phone", "address")


def _datetime() -> forms.DateTimeField:
    return forms.DateTimeField(
        required=False,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def _checkboxes(choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        required=False, choices=choices, widget=forms.CheckboxSelectMultiple
    )


def _text(rows: int = 3, label: str | None = None) -> forms.CharField:
    return forms.CharField(required=False, label=label, widget=forms.Textarea(attrs={"rows": rows}))


class EncounterForm(forms.Form):
    client_token = forms.UUIDField(widget=forms.HiddenInput)
    # Subject: typed details (matched against people on record) or a chosen person.
    given_name = forms.CharField(required=False, max_length=100, label="Given name")
    family_name = forms.CharField(required=False, max_length=100, label="Family name")
    date_of_birth = forms.DateField(
        required=False, label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(required=False, max_length=32)
    address = forms.CharField(required=False, max_length=300)
    person_id = forms.IntegerField(required=False, min_value=1)

    started_at = _datetime()
    ended_at = _datetime()
    minutes_on_scene = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=24 * 60,
        label="Minutes on scene",
        help_text="Leave blank to work it out from the start and end times.",
    )
    modality = forms.ChoiceField(
        choices=Modality.choices, initial=Modality.IN_PERSON, widget=forms.RadioSelect
    )
    clinician_assessed = forms.BooleanField(
        required=False, label="A clinician assessed the person (on site or by video)"
    )

    behaviors = _checkboxes(Behavior.choices)
    weapons_present = forms.BooleanField(required=False, label="Weapon present")
    weapon_kinds = _checkboxes(WeaponKind.choices)
    safety_notes = _text(2, "Hazards for responders")
    force_used = forms.BooleanField(required=False, label="Force used")
    injuries = forms.BooleanField(required=False, label="Anyone injured")
    arrestable_offence = forms.BooleanField(
        required=False, label="An arrest was a lawful option (an arrestable offence)"
    )
    charges = _text(2)
    police_narrative = _text(4, "Narrative")

    response_actions = _checkboxes(ResponseAction.choices)
    clinical_interventions = _checkboxes(ClinicalIntervention.choices)
    ed_otherwise = forms.BooleanField(
        required=False,
        label="Without this response the person would have gone to an emergency department",
    )

    risk_level = forms.ChoiceField(
        required=False, choices=[("", "Not rated"), *RiskLevel.choices], label="Risk level"
    )
    presenting_problem = _text(2)
    clinical_notes = _text(4)
    diagnosis_impression = forms.CharField(
        required=False, max_length=200, label="Working impression"
    )
    substance_use_notes = _text(2, "Substance-use treatment (42 CFR part 2)")

    disposition = forms.CharField(required=False, max_length=90)
    transport_destination = forms.CharField(
        required=False, max_length=200, help_text="Only if the person was transported."
    )

    def __init__(self, *args, writable: frozenset[str], disposition_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.writable = writable
        self.disposition_choices = disposition_choices
        self.screening_allowed = "clinical_interventions" in writable
        for row in range(PRESENT_ROWS):
            self.fields[f"present_role_{row}"] = forms.ChoiceField(
                required=False, choices=[("", "—"), *PresentRole.choices], label="Role"
            )
            self.fields[f"present_name_{row}"] = forms.CharField(
                required=False, max_length=120, label="Name or description"
            )
        if self.screening_allowed:
            for item in instruments.CSSRS_ITEMS:
                self.fields[f"cssrs_{item.key}"] = forms.ChoiceField(
                    required=False, choices=YES_NO, widget=forms.RadioSelect, label=item.text
                )
            for sub in instruments.CTRS_SUBSCALES:
                self.fields[f"ctrs_{sub.key}"] = forms.ChoiceField(
                    required=False, choices=CTRS_SCORES, widget=forms.RadioSelect, label=sub.label
                )
        for name in MODEL_FIELDS:
            if name not in writable:
                del self.fields[name]
        if "people_present" not in writable:
            for row in range(PRESENT_ROWS):
                del self.fields[f"present_role_{row}"], self.fields[f"present_name_{row}"]

    def decorate(self) -> None:
        """USWDS classes, and hints and errors tied to their inputs (aria-describedby)."""
        classes = {
            forms.Textarea: "usa-textarea",
            forms.Select: "usa-select",
            forms.CheckboxInput: "usa-checkbox__input",
        }
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            widget.attrs.setdefault("class", classes.get(type(widget), "usa-input"))
            described = [f"id_{name}-hint"] if field.help_text else []
            if name in self.errors:
                described.append(f"id_{name}-error")
                widget.attrs["aria-invalid"] = "true"
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)

    def present_rows(self):
        return [
            (self[f"present_role_{row}"], self[f"present_name_{row}"])
            for row in range(PRESENT_ROWS)
            if f"present_role_{row}" in self.fields
        ]

    def cssrs_fields(self):
        return [(item, self[f"cssrs_{item.key}"]) for item in instruments.CSSRS_ITEMS]

    def ctrs_fields(self):
        return [(sub, self[f"ctrs_{sub.key}"]) for sub in instruments.CTRS_SUBSCALES]

    def clean_disposition(self) -> str:
        value = self.cleaned_data["disposition"]
        allowed = {v for _, options in self.disposition_choices for v, _ in options}
        if value and value not in allowed:
            raise forms.ValidationError("Choose a disposition from the list.")
        return value

    # What the service takes. Only fields that validated are included, so a draft keeps
    # what is good and the rest stays on the page (and in the browser) to be fixed.
    def model_changes(self) -> dict:
        data = self.cleaned_data
        changes = {n: data[n] for n in MODEL_FIELDS if n in data and n in self.fields}
        if "disposition" in data:
            value = data["disposition"]
            local = value.removeprefix("code:") if value.startswith("code:") else ""
            changes["local_disposition"] = local
            changes["disposition"] = "" if local else value
        if "people_present" in self.writable:
            changes["people_present"] = [
                {
                    "role": data.get(f"present_role_{r}", ""),
                    "name": data.get(f"present_name_{r}", ""),
                }
                for r in range(PRESENT_ROWS)
                if data.get(f"present_role_{r}") or data.get(f"present_name_{r}")
            ]
        return changes

    def screening_answers(self) -> dict[str, dict]:
        if not self.screening_allowed:
            return {}
        data = self.cleaned_data
        cssrs = {
            item.key: YES_NO_VALUES[data[f"cssrs_{item.key}"]]
            for item in instruments.CSSRS_ITEMS
            if data.get(f"cssrs_{item.key}")
        }
        ctrs = {
            sub.key: int(data[f"ctrs_{sub.key}"])
            for sub in instruments.CTRS_SUBSCALES
            if data.get(f"ctrs_{sub.key}")
        }
        return {instruments.CSSRS: cssrs, instruments.CTRS: ctrs}

    def subject(self) -> dict:
        return {n: self.cleaned_data.get(n) for n in SUBJECT_FIELDS}


def initial_for(encounter, screenings, *, assignment=None, members=()) -> dict:
    """Form values from a (redacted) encounter and its screenings, or for a new one."""
    if encounter is None:
        return {
            "started_at": _local(assignment.on_scene_at or timezone.now()),
            "ended_at": _local(assignment.cleared_at),
            **{f"present_role_{i}": role for i, (role, _) in enumerate(members)},
            **{f"present_name_{i}": name for i, (_, name) in enumerate(members)},
        }
    initial = {n: getattr(encounter, n) for n in MODEL_FIELDS}
    initial["started_at"] = _local(encounter.started_at)
    initial["ended_at"] = _local(encounter.ended_at)
    initial["disposition"] = (
        f"code:{encounter.local_disposition}"
        if encounter.local_disposition and encounter.local_disposition != encounter.disposition
        else encounter.disposition
    )
    initial["person_id"] = encounter.person_id
    initial.update(encounter.subject_entry or {})
    present = encounter.people_present if isinstance(encounter.people_present, list) else []
    for i, row in enumerate(present[:PRESENT_ROWS]):
        if isinstance(row, dict):
            initial[f"present_role_{i}"] = row.get("role", "")
            initial[f"present_name_{i}"] = row.get("name", "")
    for screening in screenings:
        answers = screening.answers if isinstance(screening.answers, dict) else {}
        prefix = "cssrs" if screening.instrument == instruments.CSSRS else "ctrs"
        for key, value in answers.items():
            if isinstance(value, bool):
                initial[f"{prefix}_{key}"] = "yes" if value else "no"
            elif value is not None:
                initial[f"{prefix}_{key}"] = str(value)
    return initial


def _local(value):
    return timezone.localtime(value).strftime(DATETIME_FORMAT) if value else None

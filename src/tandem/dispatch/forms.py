"""The call-taker's intake form, built for the keyboard."""

from django import forms

from tandem.agencies.models import Code, CodeList, Jurisdiction
from tandem.dispatch.intake import CallIntake
from tandem.dispatch.models import CallSource
from tandem.dispatch.triage_schema import QUESTIONS
from tandem.people.forms import MatchQueryForm

ANSWER_CHOICES = [("yes", "Yes"), ("no", "No"), ("unknown", "Unknown")]
ANSWER_VALUES = {"yes": True, "no": False, "unknown": None}


PERSON_FIELDS = tuple(MatchQueryForm.base_fields)  # the person in crisis, if known


class IntakeForm(forms.Form):
    source = forms.ChoiceField(choices=CallSource.choices, initial=CallSource.E911)
    call_type = forms.CharField(
        max_length=80, help_text="Local call type or APCO code; unknown types are accepted."
    )
    jurisdiction = forms.ModelChoiceField(
        queryset=Jurisdiction.objects.order_by("name"),
        required=False,
        empty_label="Work it out from the location",
    )
    location_text = forms.CharField(max_length=300, required=False, label="Location")
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    priority = forms.IntegerField(min_value=1, max_value=5, initial=3)
    narrative = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    person_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PERSON_FIELDS:
            self.fields[name] = MatchQueryForm.base_fields[name]
        for key, question in QUESTIONS.items():
            self.fields[f"answer_{key}"] = forms.ChoiceField(
                label=question,
                choices=ANSWER_CHOICES,
                initial="unknown",
                widget=forms.RadioSelect,
            )

    def answer_fields(self):
        return [self[f"answer_{key}"] for key in QUESTIONS]

    def detail_fields(self):
        return [
            self[name]
            for name in (
                "source",
                "call_type",
                "jurisdiction",
                "location_text",
                "latitude",
                "longitude",
                "priority",
                "narrative",
            )
        ]

    def person_fields(self):
        return [self[name] for name in PERSON_FIELDS]

    def person_entered(self) -> bool:
        return any(self.cleaned_data.get(name) for name in PERSON_FIELDS)

    def clean(self):
        data = super().clean()
        if not data.get("person_id") and self.person_entered():
            for name in ("given_name", "family_name"):
                if not (data.get(name) or "").strip():
                    self.add_error(
                        name, 'Give both names of a new person ("Unknown" if not known).'
                    )
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", "Give both latitude and longitude, or neither.")
        return data

    def to_intake(self) -> CallIntake:
        data = self.cleaned_data
        return CallIntake(
            source=data["source"],
            call_type=data["call_type"].strip(),
            jurisdiction_id=data["jurisdiction"].pk if data["jurisdiction"] else None,
            location_text=data["location_text"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            priority=data["priority"],
            narrative=data["narrative"],
            answers={k: ANSWER_VALUES[data[f"answer_{k}"]] for k in QUESTIONS},
        )


def call_type_options() -> list[tuple[str, str]]:
    """(code, label) of the program's call types, for the form's suggestion list."""
    rows = Code.objects.filter(list=CodeList.CALL_TYPE).order_by("code")
    return list(dict.fromkeys((c.code, c.label) for c in rows))

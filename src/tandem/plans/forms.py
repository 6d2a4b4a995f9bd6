"""The plan editor's form: clinical and safety parts, and who to call."""

from django import forms

from tandem.plans.services import MAX_CONTACTS, PlanError, clean_contacts

_TEXT = {"widget": forms.Textarea(attrs={"rows": 3}), "required": False, "max_length": 4000}

# (fieldset legend, who sees it, field names)
SECTIONS = [
    (
        "How the person usually is",
        "Clinical: seen by the provider's clinical staff only.",
        ("baseline_behavior", "background"),
    ),
    (
        "In crisis",
        "Clinical: seen by the provider's clinical staff only.",
        ("elevated_behavior", "triggers", "what_helps", "what_to_avoid"),
    ),
    (
        "Safety for responders",
        "Shown to officers and clinicians assigned to a call about this person once the "
        "plan is approved. No diagnoses or treatment here.",
        ("safety_concerns", "weapons_access", "violence_history", "approach_advice"),
    ),
]


class PlanForm(forms.Form):
    baseline_behavior = forms.CharField(
        label="Baseline behavior",
        help_text="How the person is on a usual day: speech, mood, routines.",
        **_TEXT,
    )
    background = forms.CharField(
        label="Background", help_text="History that explains the plan.", **_TEXT
    )
    elevated_behavior = forms.CharField(
        label="Elevated behavior", help_text="What the person is like in crisis.", **_TEXT
    )
    triggers = forms.CharField(
        label="Triggers", help_text="What tends to set off a crisis.", **_TEXT
    )
    what_helps = forms.CharField(label="What helps", **_TEXT)
    what_to_avoid = forms.CharField(label="What to avoid", **_TEXT)
    safety_concerns = forms.CharField(
        label="Safety concerns",
        help_text="Hazards at the address, animals, others at risk.",
        **_TEXT,
    )
    weapons_access = forms.CharField(label="Access to weapons", **_TEXT)
    violence_history = forms.CharField(
        label="Violence relevant to responders", help_text="Facts only, with dates.", **_TEXT
    )
    approach_advice = forms.CharField(
        label="How to approach",
        help_text="For example: one person speaks, slowly; uses his first name; give space.",
        **_TEXT,
    )

    def __init__(self, *args, contacts: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact_rows = self._contact_rows(contacts or [])
        self.contacts: list[dict] = []

    def _contact_rows(self, initial: list[dict]) -> list[dict]:
        """Rows of the who-to-call table: the data posted, or the plan's and two blank."""
        if self.is_bound:
            posted = range(1, MAX_CONTACTS + 3)
            rows = [
                {
                    key: self.data.get(f"contact-{i}-{key}", "")
                    for key in ("name", "relationship", "phone")
                }
                for i in posted
                if f"contact-{i}-name" in self.data
            ]
        else:
            rows = [dict(c) for c in initial] + [{}, {}]
        for index, row in enumerate(rows, start=1):
            row["index"] = index
            row["errors"] = {}
        return rows

    def clean(self):
        data = super().clean()
        try:
            self.contacts = clean_contacts(self.contact_rows)
        except PlanError as error:
            self.add_contact_error(error)
        return data

    def add_contact_error(self, error: PlanError) -> None:
        """Attach an error to the contact row and field it names (contact-2-phone)."""
        parts = error.field.split("-")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) <= len(self.contact_rows):
            self.contact_rows[int(parts[1]) - 1]["errors"][parts[2]] = str(error)
        self.add_error(None, str(error))

    def sections(self):
        return [(legend, note, [self[name] for name in names]) for legend, note, names in SECTIONS]

    def content(self) -> dict:
        return {
            **{name: self.cleaned_data[name] for name in self.fields},
            "contacts": self.contacts,
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("return", "Return")])
    comment = forms.CharField(
        label="Comment for the author",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

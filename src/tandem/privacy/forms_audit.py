"""The privacy officer's search forms: the audit trail, a person by name, a period.

Searches are GET forms so a result can be bookmarked and paged, which is why they take
a person's record number and never a name: a name in a URL ends up in browser history,
proxy logs and the Referer header. The name search is a POST form of its own.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import get_user_model

from tandem.agencies.models import Agency
from tandem.privacy import selectors
from tandem.privacy.disclosures import default_period
from tandem.privacy.segments import Segment

DATE_HELP = "YYYY-MM-DD, for example 2025-03-01."
DATE_INVALID = "Enter the date as YYYY-MM-DD, for example 2025-03-01."


def date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=DATE_HELP,
        error_messages={"invalid": DATE_INVALID},
    )


class PeriodForm(forms.Form):
    """A period of calendar days, both included; the end may not precede the start."""

    since = date_field("From")
    until = date_field("To")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data


class AuditSearchForm(PeriodForm):
    person = forms.IntegerField(
        label="Person record number",
        required=False,
        min_value=1,
        help_text="Includes the records linked to it.",
        error_messages={
            "invalid": "Enter the person's record number in digits, for example 1024.",
            "min_value": "Record numbers start at 1.",
        },
    )
    actor = forms.CharField(label="Username of the staff member", required=False, max_length=150)
    action = forms.ChoiceField(label="Action", required=False)
    segment = forms.ChoiceField(label="Segment", required=False)
    agency = forms.ChoiceField(
        label="Agency",
        required=False,
        help_text="Its staff acted, or its record was touched.",
    )
    field_order = ["person", "actor", "action", "segment", "agency", "since", "until"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action")] + [
            (a, a.replace("_", " ")) for a in selectors.audit_actions(actor=actor)
        ]
        self.fields["segment"].choices = [("", "Any segment")] + [
            (s.value, s.value) for s in Segment
        ]
        self.fields["agency"].choices = [("", "Any agency")] + [
            (str(pk), name)
            for pk, name in Agency.objects.order_by("name").values_list("pk", "name")
        ]

    def clean_actor(self) -> str:
        username = self.cleaned_data["actor"].strip()
        if username and not get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(f"No staff member has the username “{username}”.")
        return username

    def criteria(self) -> selectors.AuditCriteria:
        """The search asked for; call after is_valid()."""
        data = self.cleaned_data
        return selectors.AuditCriteria(
            person_id=data.get("person"),
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            segment=data.get("segment") or "",
            agency_id=int(data["agency"]) if data.get("agency") else None,
            since=data.get("since"),
            until=data.get("until"),
        )

    def described(self) -> str:
        """The filters in words, ids only, for the export's audit event."""
        parts = [f"{name}={value}" for name, value in self.cleaned_data.items() if value]
        return ", ".join(parts) or "no filter"


class PersonSearchForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="The start of a given or family name, or both.",
        error_messages={"required": "Enter the start of the person's name."},
    )


class DisclosurePeriodForm(PeriodForm):
    """The accounting's period: the last six years unless narrowed."""

    def period(self) -> tuple[date, date]:
        """The days asked for; call after is_valid(). A missing start is six years
        before the end, a missing end is today."""
        data = self.cleaned_data
        default_since, until = default_period(data.get("until"))
        return data.get("since") or default_since, until

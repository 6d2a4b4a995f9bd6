"""The dashboard's filters as a GET form: months, agency, jurisdiction, program model.

Only ids and codes travel in the query string, never anything about a person, so a
dashboard link can be bookmarked, shared and logged.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from tandem.agencies.models import Agency, AgencyKind, Jurisdiction, ProgramModel
from tandem.metrics.engine import Filters
from tandem.metrics.facts import NO_PROGRAM

DEFAULT_MONTHS = 12
MAX_MONTHS = 60  # five years: the longest a grant report looks back
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def add_months(d: date, n: int) -> date:
    """The first day of the month `n` months after `d`'s (n may be negative)."""
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """How many months the range covers, both ends included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def this_month() -> date:
    return timezone.localdate().replace(day=1)


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type="month"> sends), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        match = MONTH.match(text)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1990:
            raise forms.ValidationError(
                "Enter a month as YYYY-MM, for example %(example)s; got “%(got)s”.",
                params={"example": this_month().strftime("%Y-%m"), "got": text[:20]},
                code="month",
            )
        return date(int(match[1]), int(match[2]), 1)


class DashboardFilterForm(forms.Form):
    start = MonthField(label="From month", required=False, help_text="YYYY-MM, for example 2026-01")
    end = MonthField(label="To month", required=False, help_text="YYYY-MM, included")
    agency = forms.ModelChoiceField(
        label="Agency",
        required=False,
        queryset=Agency.objects.none(),
        empty_label="All agencies",
        help_text="The agency that took the call (records without a call: their own agency)",
        error_messages={"invalid_choice": "Choose an agency from the list."},
    )
    jurisdiction = forms.ModelChoiceField(
        label="Jurisdiction",
        required=False,
        queryset=Jurisdiction.objects.none(),
        empty_label="All jurisdictions",
        error_messages={"invalid_choice": "Choose a jurisdiction from the list."},
    )
    program = forms.ChoiceField(
        label="Program model",
        required=False,
        error_messages={"invalid_choice": "Choose a program model from the list."},
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Calls belong to police departments and the 911 center; encounters, referrals
        # and follow-ups without a call to a provider. The regional administrator owns
        # no records, so it is not a choice.
        self.fields["agency"].queryset = Agency.objects.exclude(
            kind=AgencyKind.REGIONAL_ADMIN
        ).order_by("name")
        self.fields["jurisdiction"].queryset = Jurisdiction.objects.order_by("name")
        self.fields["program"].choices = [
            ("", "All program models"),
            *ProgramModel.choices,
            (NO_PROGRAM, "No team assigned"),
        ]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault(
                "class", "usa-select" if isinstance(field.widget, forms.Select) else "usa-input"
            )
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def _post_clean(self):
        super()._post_clean()
        # Point each invalid input at its message, for screen readers.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                hint = attrs.get("aria-describedby", "")
                attrs["aria-describedby"] = f"{hint} id_{name}-error".strip()
                attrs["aria-invalid"] = "true"
                if "usa-input" in attrs.get("class", "").split():
                    attrs["class"] += " usa-input--error"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        # A month left blank: up to this month, or the twelve months to the last one.
        end = end or max(start or this_month(), this_month())
        start = start or add_months(end, 1 - DEFAULT_MONTHS)
        if end < start:
            self.add_error(
                "end",
                f"The last month ({end:%Y-%m}) is before the first ({start:%Y-%m}); "
                "choose a last month on or after the first.",
            )
        elif months_between(start, end) > MAX_MONTHS:
            self.add_error(
                "end",
                f"Choose at most {MAX_MONTHS} months; {start:%Y-%m} to {end:%Y-%m} is "
                f"{months_between(start, end)}.",
            )
        data["start"], data["end"] = start, end
        if not self.errors:  # show the months used, defaults included, in the fields
            self.data = self.data.copy()
            self.data["start"], self.data["end"] = f"{start:%Y-%m}", f"{end:%Y-%m}"
        return data

    def filters(self) -> Filters:
        """The rows asked for; call after is_valid()."""
        d = self.cleaned_data
        return Filters(
            start=d["start"],
            end=d["end"],
            agency_ids=(d["agency"].pk,) if d.get("agency") else (),
            jurisdiction_ids=(d["jurisdiction"].pk,) if d.get("jurisdiction") else (),
            program_models=(d["program"],) if d.get("program") else (),
        )

    def described(self) -> str:
        """The filters in words, for headings, the audit trail and file names."""
        d = self.cleaned_data
        start, end = f"{d['start']:%b %Y}", f"{d['end']:%b %Y}"
        parts = [start if start == end else f"{start} to {end}"]
        if d.get("agency"):
            parts.append(d["agency"].name)
        if d.get("jurisdiction"):
            parts.append(d["jurisdiction"].name)
        if d.get("program"):
            parts.append(dict(self.fields["program"].choices)[d["program"]])
        return "; ".join(parts)

    def query(self, **changes) -> str:
        """The cleaned filters as a query string, with `changes` (None drops a key)."""
        d = self.cleaned_data
        values = {
            "start": f"{d['start']:%Y-%m}",
            "end": f"{d['end']:%Y-%m}",
            "agency": d["agency"].pk if d.get("agency") else None,
            "jurisdiction": d["jurisdiction"].pk if d.get("jurisdiction") else None,
            "program": d.get("program") or None,
        } | changes
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

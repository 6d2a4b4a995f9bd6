"""Forms of the navigator's queue: an attempt, completing a task, closing it."""

from django import forms

from tandem.followups.models import AttemptMethod, AttemptOutcome, ClosingReason


class AttemptForm(forms.Form):
    method = forms.ChoiceField(label="How", choices=AttemptMethod.choices, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("", "- Select -"), *AttemptOutcome.choices]
    )
    notes = forms.CharField(
        label="Notes (clinical)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompleteForm(forms.Form):
    stabilised = forms.BooleanField(
        label="The person is stabilised: stop the daily checks", required=False
    )
    notes = forms.CharField(
        label="Notes (clinical)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Closing reason", choices=[("", "- Select -"), *ClosingReason.choices]
    )
    notes = forms.CharField(
        label="Notes (clinical)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

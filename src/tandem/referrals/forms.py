"""Forms of the referral pages; the API validates the same fields with serializers."""

from django import forms

from tandem.referrals.models import Referral, ReferralStatus


class ReferralForm(forms.Form):
    # Never drawn as an input: the service is a radio in the directory results, so the
    # error summary links to those results.
    service = forms.IntegerField(
        label="Service",
        widget=forms.NumberInput(attrs={"id": "directory-results"}),
        error_messages={"required": "Choose the service to refer to from the results."},
    )
    reason = forms.CharField(
        label="Reason for the referral",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Clinical. The receiving provider reads it only if the person's consent "
        "to share with them is on file.",
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="New status")
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        help_text="Optional; for example the appointment date, or why it was declined.",
    )
    expected = forms.ChoiceField(choices=ReferralStatus.choices, widget=forms.HiddenInput)

    def __init__(self, *args, referral: Referral, **kwargs):
        self.referral = referral
        kwargs.setdefault("auto_id", f"r{referral.pk}-%s")
        kwargs.setdefault("initial", {"expected": referral.status})
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Choose…")] + referral.next_status_choices()
        self.fields["status"].error_messages["invalid_choice"] = (
            "Choose one of the statuses offered; the referral may have changed meanwhile."
        )

    def clean(self):
        data = super().clean()
        expected = self.data.get("expected")
        if expected and expected != self.referral.status:
            # Someone else moved it: say so rather than "not one of the choices".
            self._errors.pop("status", None)
            self.add_error(
                "status",
                "Someone changed this referral meanwhile: it is now "
                f"{self.referral.get_status_display().lower()}. Check it and try again.",
            )
        return data

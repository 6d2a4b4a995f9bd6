"""The directory search, as a form: the page, the referral picker and the API share it."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from tandem.directory import selectors
from tandem.directory.selectors import Criteria


class SearchForm(forms.Form):
    need = forms.ChoiceField(label="Need", required=False)
    near = forms.ChoiceField(
        label="Near",
        required=False,
        help_text="Sorts by straight-line distance from the town's centre.",
    )
    within_km = forms.FloatField(label="Within (km)", required=False, min_value=0.1, max_value=500)
    lat = forms.FloatField(label="Latitude", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="Longitude", required=False, min_value=-180, max_value=180)
    age = forms.IntegerField(label="Age of the person", required=False, min_value=0, max_value=120)
    eligibility = forms.CharField(
        label="Eligibility includes",
        required=False,
        max_length=100,
        help_text="Words such as veterans, uninsured, families.",
    )
    q = forms.CharField(label="Name or description", required=False, max_length=100)
    open_now = forms.BooleanField(label="Open now only", required=False)
    at = forms.DateTimeField(
        label="Open at",
        required=False,
        help_text="Leave blank for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%z"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", "Any need")] + selectors.needs()
        self.fields["near"].choices = [("", "Anywhere")] + [
            (j.code, j.name) for j in selectors.jurisdictions()
        ]

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None):
            self.add_error("lon", "Give both latitude and longitude, or neither.")
        if data.get("within_km") is not None and not (data.get("near") or data.get("lat")):
            self.add_error("within_km", "Choose a place to measure the distance from.")
        return data

    def criteria(self) -> Criteria:
        """The search asked for; call after is_valid() (invalid parts are left out)."""
        data = getattr(self, "cleaned_data", {})
        near = None
        if data.get("lat") is not None and data.get("lon") is not None:
            near = (data["lat"], data["lon"])
        elif data.get("near"):
            near = selectors.jurisdiction_point(data["near"])
        at = data.get("at")
        if isinstance(at, dt.datetime) and timezone.is_naive(at):
            at = timezone.make_aware(at)
        return Criteria(
            need=data.get("need") or "",
            q=data.get("q") or "",
            eligibility=data.get("eligibility") or "",
            age=data.get("age"),
            near=near,
            within_km=data.get("within_km"),
            open_now=bool(data.get("open_now")),
            at=at,
        )

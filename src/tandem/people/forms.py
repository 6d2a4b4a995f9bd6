"""Forms over people: the fields a call-taker or clinician enters to find a person."""

from django import forms


class MatchQueryForm(forms.Form):
    """What is known of the person being entered; any part may be missing."""

    given_name = forms.CharField(max_length=100, required=False, label="Given name")
    family_name = forms.CharField(max_length=100, required=False, label="Family name")
    date_of_birth = forms.DateField(required=False, label="Date of birth", help_text="YYYY-MM-DD")
    phone = forms.CharField(max_length=32, required=False)
    address = forms.CharField(max_length=300, required=False)

    def searchable(self) -> bool:
        """Worth a lookup: a family name, or a given name with a birth date or phone."""
        data = self.cleaned_data
        return len(data["family_name"].strip()) >= 2 or bool(
            data["given_name"].strip() and (data["date_of_birth"] or data["phone"].strip())
        )

    def entered(self) -> bool:
        return bool(self.cleaned_data.get("given_name") or self.cleaned_data.get("family_name"))

    def matches(self, actor, limit: int = 5):
        """The likely matches the actor may see, or None when there is nothing to search."""
        from tandem.people.matching import person_matches

        if not (self.is_valid() and self.searchable()):
            return None
        return person_matches(actor=actor, **self.query(), limit=limit)

    def query(self) -> dict:
        data = self.cleaned_data
        return {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "date_of_birth": data["date_of_birth"],
            "phone": data["phone"],
            "address": data["address"],
        }

"""The upload form: a file, a profile, and whether to check only."""

from pathlib import Path

from django import forms

from tandem.imports.reader import XLSX_SUFFIXES

SUFFIXES = (".csv", ".txt", *XLSX_SUFFIXES)
MAX_UPLOAD_MB = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Export file",
        help_text="A CSV or Excel (.xlsx) export from a CAD system, a crisis team's records "
        "or a jail's bookings.",
    )
    profile = forms.ChoiceField(
        label="Profile",
        help_text="How this source's columns and codes map onto the program's.",
    )
    dry_run = forms.BooleanField(
        label="Check only: report on the file without importing it",
        required=False,
    )

    def __init__(self, *args, profiles: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [("", "- Choose a profile -")] + [(p, p) for p in profiles]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(f"Expected a .csv or .xlsx file; got {upload.name!r}.")
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"Expected at most {MAX_UPLOAD_MB} MB; use `tandem import` for larger files."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload

"""Import profiles: how one source's export maps onto the program's calls, as YAML.

A profile names the source (used in every imported call's incident id,
`import:<source>:<key>`), the agency that owns the calls, the time zone of the file's
clock times, the column holding the source's incident number, and for each Tandem field
where its value comes from:

    fields:
      received_at: {column: Call Received, formats: ["%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]}
      arrived_at: {date: Arrive Date, time: Arrive Time,
                   date_formats: ["%m/%d/%Y"], time_formats: ["%H:%M", "%H%M"]}
      call_type: {column: Nature, values: {PERSON IN CRISIS: "10-96", E.D.P.: EDP}}
      source: {value: "911"}            # the same value for every row

`values` maps the file's spellings to the program's codes; matching ignores case and
runs of spaces. A value that is already a program code needs no entry. A value neither
mapped nor a code is reported with its count and never guessed: the row is imported
with the field blank (`unmapped: keep`, the default) or rejected (`unmapped: reject`).
Columns the import must not read are listed under `ignore`, so a reviewer sees that
they were left out on purpose.

Errors come back as `file:line: path: expected ...` through `agencies.configfile`, like
the program file and the triage protocol. `profile_check` adds the checks that need the
database (the agency and every mapped code must exist).
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel as _BaseModel
from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from tandem.agencies.configfile import (
    ConfigInvalid,
    LineOf,
    Problem,
    config_parse,
    config_read,
    expected,
)

PROFILE_DIR = Path(__file__).parent / "profiles"
TIME_FIELDS = ("received_at", "dispatched_at", "en_route_at", "arrived_at", "cleared_at")
CODED_FIELDS = (
    "call_type",
    "final_call_type",
    "source",
    "disposition",
    "team",
    "jurisdiction",
    "clinician_assessed",
)
TEXT_FIELDS = ("location_text", "narrative")
NUMBER_FIELDS = ("priority",)
# Fields whose raw values may be shown in a rejected-row listing: no narrative, no
# address, nothing clinical (the file's unmapped columns are never shown either).
LISTABLE_FIELDS = (*TIME_FIELDS, *CODED_FIELDS, *NUMBER_FIELDS)

# strptime directives DuckDB understands (`%-d` drops the leading zero).
_FORMAT = re.compile(r"(?:[^%]|%-?[aAwdbBmyYHIpMSfgzZjUWcxXn%])+")
_SLUG = r"^[a-z0-9][a-z0-9-]{0,39}$"


def _as_text(value: Any) -> Any:
    # `1: 911` or `Y: true` in YAML reads as numbers or booleans; codes are labels.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


def _string_map(value: Any) -> Any:
    if isinstance(value, dict):
        return {_as_text(k): _as_text(v) for k, v in value.items()}
    return value


def _format(value: Any) -> Any:
    if not isinstance(value, str) or "%" not in value or not _FORMAT.fullmatch(value):
        what = "a strptime format such as %m/%d/%Y %H:%M (directives %Y %m %d %H %M %S %p ...)"
        raise expected("format", what, value)
    return value


def _zone(value: Any) -> Any:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise expected("timezone", "an IANA time zone such as America/Chicago", value) from exc
    return value


Text = Annotated[str, BeforeValidator(_as_text), Field(min_length=1, max_length=200)]
Format = Annotated[str, BeforeValidator(_format)]
Formats = Annotated[list[Format], Field(min_length=1)]


class Spec(_BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeSpec(Spec):
    """One column with its formats, or a date column and a time column."""

    column: Text | None = None
    formats: Formats | None = None
    date: Text | None = None
    time: Text | None = None
    date_formats: Formats | None = None
    time_formats: Formats | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "TimeSpec":
        single = self.column is not None
        split = self.date is not None or self.time is not None
        if single == split:
            raise expected("form", "either column (with formats) or date and time columns", {})
        if single and not self.formats:
            raise expected("formats", "formats: the column's timestamp formats", {})
        if split and not (self.date and self.time and self.date_formats and self.time_formats):
            what = "date, time, date_formats and time_formats together"
            raise expected("split", what, self.model_dump(exclude_none=True))
        return self

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.column, self.date, self.time) if c]


class ValueSpec(Spec):
    """A column, or the same value for every row; coded fields map spellings to codes."""

    column: Text | None = None
    value: Text | None = None
    values: Annotated[dict[Text, Text], BeforeValidator(_string_map)] = {}
    unmapped: Literal["keep", "reject"] = "keep"

    @model_validator(mode="after")
    def _one_source(self) -> "ValueSpec":
        if (self.column is None) == (self.value is None):
            raise expected("form", "exactly one of column or value", self.model_dump())
        return self

    @property
    def columns(self) -> list[str]:
        return [self.column] if self.column else []


class Fields(Spec):
    received_at: TimeSpec
    dispatched_at: TimeSpec | None = None
    en_route_at: TimeSpec | None = None
    arrived_at: TimeSpec | None = None
    cleared_at: TimeSpec | None = None
    call_type: ValueSpec
    final_call_type: ValueSpec | None = None
    source: ValueSpec | None = None
    priority: ValueSpec | None = None
    location_text: ValueSpec | None = None
    narrative: ValueSpec | None = None
    jurisdiction: ValueSpec | None = None
    team: ValueSpec | None = None
    disposition: ValueSpec | None = None
    clinician_assessed: ValueSpec | None = None

    def given(self) -> dict[str, TimeSpec | ValueSpec]:
        return {name: spec for name, spec in self if spec is not None}


class FileOptions(Spec):
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] | None = None  # sniffed
    encoding: Literal["utf-8", "utf-16", "latin-1"] = "utf-8"
    sheet: Text | None = None  # xlsx: the sheet to read; the first one when absent
    header_row: Annotated[int, Field(ge=1, le=1000)] = 1


KINDS = ("cad", "crisis_team", "jail_bookings")


class Profile(Spec):
    source: Annotated[str, Field(pattern=_SLUG)]
    label: Text
    kind: Literal["cad", "crisis_team", "jail_bookings"]  # jail_bookings: BookingProfile
    agency: Annotated[str, Field(pattern=_SLUG)]
    timezone: Annotated[str, BeforeValidator(_zone)]
    key: Text  # the column with the source's incident number
    number_prefix: Annotated[str, Field(max_length=12, pattern=r"^[A-Za-z0-9:_-]*$")] = ""
    file: FileOptions = FileOptions()
    fields: Fields
    # Fields whose empty value rejects the row; the key and received_at always do.
    required: list[Literal[*Fields.model_fields]] = []  # type: ignore[valid-type]
    ignore: list[Text] = []

    def columns(self) -> set[str]:
        """Every file column the profile reads."""
        used = {self.key}
        for spec in self.fields.given().values():
            used.update(spec.columns)
        return used


class BookingFields(Spec):
    """A jail's booking export: one row per booking (Stepping Up's four key measures)."""

    booked_at: TimeSpec
    released_at: TimeSpec | None = None
    charge_level: ValueSpec | None = None
    smi_screen: ValueSpec | None = None
    smi_assessment: ValueSpec | None = None
    treatment_connected_on: TimeSpec | None = None
    jurisdiction: ValueSpec | None = None

    def given(self) -> dict[str, TimeSpec | ValueSpec]:
        return {name: spec for name, spec in self if spec is not None}


class BookingProfile(Spec):
    """`kind: jail_bookings`: `agency` is the jail (the sheriff's office) that owns the
    bookings, `key` the booking number and `person` the jail's own number for the person
    booked, which is kept only as a pseudonym (see `imports.bookings`)."""

    source: Annotated[str, Field(pattern=_SLUG)]
    label: Text
    kind: Literal["jail_bookings"]
    agency: Annotated[str, Field(pattern=_SLUG)]
    timezone: Annotated[str, BeforeValidator(_zone)]
    key: Text  # the column with the booking number
    person: Text  # the column with the jail's number for the person
    file: FileOptions = FileOptions()
    fields: BookingFields
    required: list[Literal[*BookingFields.model_fields]] = []  # type: ignore[valid-type]
    ignore: list[Text] = []

    def columns(self) -> set[str]:
        used = {self.key, self.person}
        for spec in self.fields.given().values():
            used.update(spec.columns)
        return used


AnyProfile = Profile | BookingProfile


def _schema(text: str) -> type[Profile] | type[BookingProfile]:
    """The schema for a profile's `kind` (read leniently: any error is the full
    parse's to report, with its line)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return Profile
    kind = data.get("kind") if isinstance(data, dict) else None
    return BookingProfile if kind == "jail_bookings" else Profile


def _check_ignored(data: dict, line_of: LineOf) -> list[Problem]:
    """A column both read and ignored is a contradiction someone should resolve."""
    ignore = data.get("ignore")
    fields = data.get("fields")
    if not isinstance(ignore, list) or not isinstance(fields, dict):
        return []
    used = {data.get("key"), data.get("person")}
    for spec in fields.values():
        if isinstance(spec, dict):
            used.update(spec.get(k) for k in ("column", "date", "time"))
    return [
        (("ignore", i), f"expected columns the profile does not read; got {name!r}, which it reads")
        for i, name in enumerate(ignore)
        if name in used
    ]


def profile_parse(
    text: str, *, filename: str = "<profile>", db_check: Callable | None = None
) -> AnyProfile:
    """Validate a profile; raise `ConfigInvalid` listing every problem with its line.

    `db_check(data, line_of)` adds problems that need the database (see `profile_check`).
    """
    checks = [_check_ignored, *([db_check] if db_check else [])]
    return config_parse(text, filename=filename, schema=_schema(text), checks=checks)


def profile_read(path: str | Path, *, db_check: Callable | None = None) -> AnyProfile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""  # config_read reports the file as unreadable
    checks = [_check_ignored, *([db_check] if db_check else [])]
    return config_read(path, schema=_schema(text), checks=checks)


def profile_path(name: str) -> Path:
    """A shipped profile by name (`generic-cad`), or a path to a profile file."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return PROFILE_DIR / f"{name}.yaml"


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


__all__ = [
    "AnyProfile",
    "BookingProfile",
    "CODED_FIELDS",
    "ConfigInvalid",
    "LISTABLE_FIELDS",
    "NUMBER_FIELDS",
    "Profile",
    "TEXT_FIELDS",
    "TIME_FIELDS",
    "profile_parse",
    "profile_path",
    "profile_read",
    "shipped_profiles",
]

"""NENA EIDO 1.0 (NENA-STA-021.1b-2022) in and out, as pure functions.

`parse_incident` reads an EIDO a CAD or PSAP sends and returns the fields Tandem keeps.
It raises `EidoInvalid` listing every problem at once: each schema error (against
`eido_schema/eido-1.0-subset.schema.json`, generated from NENA's OpenAPI file by
`eido_schema/build.py`) and each semantic one (a timestamp that is not RFC 3339, a
`$ref` to no component, a PIDF-LO that is not XML).

`render_incident` writes the EIDO Tandem sends back to CAD: the incident, its (possibly
recoded) type, status and location. The CAD is outside the privacy gate, so the output
is built from an allow-list of operational fields and never carries a narrative, a person
or anything clinical, whatever else the mapping holds. See `render_incident`.

The parsed `narrative` (CJI) and `persons` are sensitive: store them only through the
dispatch services, never log them.

Registry values used on output (agency role, incident status, location type) come from
the STA-021.1b registry tables; `agency_types` come from IANA's
urn:emergency:service:responder registry and are the caller's to choose.
"""

import html
import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tandem.interop import pidf

SCHEMA_PATH = Path(__file__).with_name("eido_schema") / "eido-1.0-subset.schema.json"
EIDO_VERSION = "1.0"

# Every EIDO element the OpenAPI file types as `format: date-time`.
TIMESTAMP_KEYS = frozenset(
    {"lastUpdateTimeStamp", "callStartTimestamp", "answerDate", "eta", "startTimestamp"}
    | {"stopTimestamp", "acknowledgementTimestamp", "startDate", "Timestamp"}
    | {"vehicleRelationshipTimeStamp"}
)
# Which component array a reference element must point into.
REFERENCE_KINDS = {
    "updatedByAgencyReference": "agencyComponent",
    "agencyReference": "agencyComponent",
    "updatedByAgentReference": "agentComponent",
    "agentReference": "agentComponent",
    "locationReference": "locationComponent",
    "personReference": "personComponent",
    "notesReference": "notesComponent",
    "callBackReference": "callbackComponent",
    "callReference": "callComponent",
    "additionalDataReference": "additionalDataComponent",
    "cautionReference": "cautionComponent",
    "vehicleReference": "vehicleComponent",
    "emergencyResourceReference": "emergencyResourceComponent",
}
# EIDO 1.0 defines these types but no top-level array to carry them, so a reference to
# one cannot resolve inside the document; it is not an error.
UNHOSTED_REFERENCES = frozenset({"organizationReference", "itemReference"})
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
TOKEN_988 = re.compile(r"(?<!\d)988(?!\d)")
# Location types in the order Tandem prefers them for "the" incident location.
LOCATION_PREFERENCE = ("CurrentIncident", "InitialIncident", "Caller", "RoutingLocation")
# Tandem call status -> EIDO-IncidentStatus-Common registry value.
STATUS_COMMON = {"pending": "Active", "assigned": "ResourcesAssigned", "closed": "Closed"}


class EidoInvalid(ValueError):
    """An EIDO that failed validation; `errors` holds every problem with its JSON path."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        lines = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"invalid EIDO, {len(errors)} error(s): {lines}{more}")


@dataclass(frozen=True, slots=True)
class PersonIn:
    given: str
    family: str
    dob: date | None
    role: str  # personIncidentRoleRegistryText values joined by ", "
    full_name: str = ""  # nc:PersonFullName, when the sender gave no parts


@dataclass(frozen=True, slots=True)
class IncidentIn:
    incident_id: str  # the EIDO's $id: STA-021 makes it the Incident Tracking Identifier
    updated_at: datetime
    call_type: str
    call_type_text: str
    apco_code: str
    received_at: datetime
    source: str  # "911" or "988"
    location_text: str
    latitude: float | None
    longitude: float | None
    narrative: str
    persons: tuple[PersonIn, ...]
    caller_phone: str
    agency_ids: tuple[str, ...]
    updated_by_agency: str
    internal_incident_id: str  # the CAD's own incident number, if sent


# ---------------------------------------------------------------- validation


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


@cache
def apco_codes() -> frozenset[str]:
    return frozenset(schema()["$defs"]["apcoIncidentCategoryCodeSimpleType"]["enum"])


def json_path(parts: Sequence[str | int]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_$][\w$]*", part):
            out += f".{part}"
        else:
            out += "[" + json.dumps(part) + "]"
    return out


def _json_type(value: Any) -> str:
    for name, kind in (("boolean", bool), ("integer", int), ("number", float), ("string", str)):
        if isinstance(value, kind):
            return name
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    return "array" if isinstance(value, list) else type(value).__name__


def _schema_errors(document: Any) -> Iterator[tuple[list, str]]:
    for error in _validator().iter_errors(document):
        path = list(error.absolute_path)
        if error.validator == "required":
            for prop in error.validator_value:
                if prop not in error.instance:
                    yield [*path, prop], "required property is missing"
        elif error.validator == "type":
            expected = error.validator_value
            yield path, f"expected {expected}, got {_json_type(error.instance)}"
        elif error.validator == "enum":
            yield path, f"must be one of {error.validator_value!r}, got {error.instance!r}"
        else:
            yield path, error.message


def _walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """Every object in the document with its path."""
    if isinstance(node, Mapping):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def parse_timestamp(value: str) -> datetime:
    """An RFC 3339 date-time with its offset; ValueError otherwise."""
    if not RFC3339.fullmatch(value):
        raise ValueError("not an RFC 3339 date-time with a UTC offset")
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))


def _component_index(document: Mapping) -> tuple[dict[str, str], list[tuple[list, str]]]:
    """$id -> the component array it sits in, plus duplicate-$id errors."""
    index: dict[str, str] = {}
    errors = []
    for path, node in _walk(document):
        ident = node.get("$id")
        if not isinstance(ident, str):
            continue
        kind = next((p for p in reversed(path) if isinstance(p, str)), "document")
        if ident in index:
            errors.append(([*path, "$id"], f"duplicate $id {ident!r}"))
        index.setdefault(ident, kind)
    return index, errors


def _semantic_errors(document: Mapping) -> Iterator[tuple[list, str]]:
    index, duplicates = _component_index(document)
    yield from duplicates
    for path, node in _walk(document):
        for key in TIMESTAMP_KEYS & node.keys():
            if isinstance(node[key], str):
                try:
                    parse_timestamp(node[key])
                except ValueError as exc:
                    yield [*path, key], f"{node[key]!r} is {exc}"
        target = node.get("$ref")
        if isinstance(target, str):
            field = next((p for p in reversed(path) if isinstance(p, str)), "")
            expected = REFERENCE_KINDS.get(field)
            if field in UNHOSTED_REFERENCES:
                pass
            elif target not in index:
                yield [*path, "$ref"], f"refers to {target!r}, which no component has as $id"
            elif expected and index[target] != expected:
                yield [*path, "$ref"], f"refers to a {index[target]}, expected a {expected}"
        by_value = node.get("locationByValue")
        if isinstance(by_value, str):
            try:
                pidf.read_pidf(by_value)
            except ValueError as exc:
                yield [*path, "locationByValue"], f"not a usable PIDF-LO: {exc}"
        for i, birth in enumerate(_list(_get(node, "ncPersonComponent", "birthDate"))):
            for j, day in enumerate(_list(_get(birth, "date"))):
                value = _get(day, "value")
                if isinstance(value, str) and not _is_date(value):
                    where = [*path, "ncPersonComponent", "birthDate", i, "date", j, "value"]
                    yield where, f"{value!r} is not a YYYY-MM-DD date"


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d\d-\d\d", value))


def validate_document(document: Any) -> list[dict[str, str]]:
    """Every schema and semantic error as {"path": JSONPath, "message": ...}; [] if valid."""
    if not isinstance(document, Mapping):
        return [{"path": "$", "message": f"expected object, got {_json_type(document)}"}]
    found = list(_schema_errors(document)) + list(_semantic_errors(document))
    seen, errors = set(), []
    for path, message in sorted(found, key=lambda e: [(isinstance(p, str), p) for p in e[0]]):
        entry = (json_path(path), message)
        if entry not in seen:
            seen.add(entry)
            errors.append({"path": entry[0], "message": message})
    return errors


# ---------------------------------------------------------------- reading


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _values(items: Any) -> list[str]:
    """The `value`s of a NIEM text array: [{"value": "Jane"}] -> ["Jane"]."""
    return [str(i["value"]) for i in _list(items) if isinstance(_get(i, "value"), str)]


def _by_id(document: Mapping, array: str) -> dict[str, Mapping]:
    return {c["$id"]: c for c in _list(document.get(array)) if isinstance(_get(c, "$id"), str)}


def _refs(node: Any, key: str) -> list[str]:
    value = _get(node, key)
    items = value if isinstance(value, list) else [value]
    return [r["$ref"] for r in items if isinstance(_get(r, "$ref"), str)]


def _location_candidates(document: Mapping) -> list[Mapping]:
    locations = _by_id(document, "locationComponent")
    ordered = [locations[r] for r in _refs(document.get("incidentComponent"), "locationReference")]
    rest = _list(document.get("locationComponent"))
    for kind in LOCATION_PREFERENCE:
        ordered += [c for c in rest if _get(c, "locationTypeDescriptionRegistryText") == kind]
    return ordered + rest


def _location(document: Mapping) -> tuple[str, float | None, float | None]:
    """Text and coordinates of the first preferred location that has either."""
    for component in _location_candidates(document):
        text, point = "", None
        if isinstance(component.get("locationByValue"), str):
            text, point = pidf.read_pidf(component["locationByValue"])
        text = text or str(component.get("locationDescriptionText") or "")
        if text or point:
            return (text, *point) if point else (text, None, None)
    return "", None, None


def _narrative(document: Mapping) -> str:
    notes = [n for n in _list(document.get("notesComponent")) if isinstance(n, Mapping)]
    notes.sort(key=lambda n: parse_timestamp(n["lastUpdateTimeStamp"]))  # stable: ties keep order
    texts = (pidf.html_to_text(str(n.get("notesActionComments", ""))) for n in notes)
    return "\n".join(t for t in texts if t)


def _person(component: Mapping) -> PersonIn:
    person = _get(component, "ncPersonComponent") or {}
    name = next(iter(_list(person.get("name"))), {})
    birth = next(iter(_list(person.get("birthDate"))), {})
    day = next(iter(_values(_get(birth, "date"))), "")
    return PersonIn(
        given=" ".join(_values(name.get("personGivenName"))),
        family=" ".join(_values(name.get("personSurName"))),
        dob=date.fromisoformat(day) if day else None,
        role=", ".join(str(r) for r in _list(component.get("personIncidentRoleRegistryText"))),
        full_name=" ".join(_values(name.get("personFullName"))),
    )


def _caller_phone(document: Mapping) -> str:
    callbacks = _by_id(document, "callbackComponent")
    callers = [
        p
        for p in _list(document.get("personComponent"))
        if "Caller" in _list(_get(p, "personIncidentRoleRegistryText"))
    ]
    refs = [
        r
        for node in _list(document.get("callComponent")) + callers
        for r in _refs(node, "callBackReference")
    ]
    chosen = [callbacks[r] for r in refs if r in callbacks] + list(callbacks.values())
    for callback in chosen:
        uris = [str(u) for u in _list(callback.get("callBackInformationUri"))]
        tel = next((u for u in uris if u.lower().startswith("tel:")), "")
        if tel:
            return tel[4:].split(";")[0]  # drop URI parameters such as ;phone-context
    return ""


def _source(document: Mapping) -> str:
    fields = ("queueIdentifier", "localCallType", "standardSecondaryCallType")
    for call in _list(document.get("callComponent")):
        if any(TOKEN_988.search(str(call.get(f, ""))) for f in fields):
            return "988"
    return "911"


def _received_at(document: Mapping) -> datetime:
    starts = [
        parse_timestamp(c["callStartTimestamp"]) for c in _list(document.get("callComponent"))
    ]
    incident = document.get("incidentComponent") or document
    return min(starts) if starts else parse_timestamp(incident["lastUpdateTimeStamp"])


def parse_incident(document: dict) -> IncidentIn:
    """Read an EIDO 1.0 document; raise EidoInvalid listing every problem."""
    errors = validate_document(document)
    if errors:
        raise EidoInvalid(errors)
    incident = document.get("incidentComponent") or {}
    registry_text = str(incident.get("incidentTypeCommonRegistryText", ""))
    local_type = next(
        (
            str(c["localCallType"])
            for c in _list(document.get("callComponent"))
            if c.get("localCallType")
        ),
        "",
    )
    call_type = str(incident.get("incidentTypeInternalCode") or registry_text or local_type)
    location_text, latitude, longitude = _location(document)
    return IncidentIn(
        incident_id=document["$id"],
        updated_at=parse_timestamp(document["lastUpdateTimeStamp"]),
        call_type=call_type,
        call_type_text=str(incident.get("incidentTypeInternalText") or call_type),
        apco_code=registry_text if registry_text in apco_codes() else "",
        received_at=_received_at(document),
        source=_source(document),
        location_text=location_text,
        latitude=latitude,
        longitude=longitude,
        narrative=_narrative(document),
        persons=tuple(_person(p) for p in _list(document.get("personComponent"))),
        caller_phone=_caller_phone(document),
        agency_ids=tuple(a["$id"] for a in document["agencyComponent"]),
        updated_by_agency=document["updatedByAgencyReference"]["$ref"],
        internal_incident_id=str(incident.get("internalIncidentId", "")),
    )


# ---------------------------------------------------------------- writing


def _rfc3339(value: Any, field: str) -> str:
    if isinstance(value, str):
        value = parse_timestamp(value)
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{field} must be a timezone-aware datetime, got {value!r}")
    return value.isoformat(timespec="milliseconds")


def _component_id(incident_id: str, part: str) -> str:
    """Stable per incident, so a CAD sees the same component updated, not a new one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{incident_id}#{part}"))


def _coordinate(value: Any, field: str, limit: float) -> float | None:
    if value is None or value == "":
        return None
    number = float(Decimal(str(value)))
    if not -limit <= number <= limit:
        raise ValueError(f"{field} {number} is out of range")
    return number


def _prologue(component_id: str, stamp: str, agency_id: str) -> dict:
    return {
        "$id": component_id,
        "lastUpdateTimeStamp": stamp,
        "updatedByAgencyReference": {"$ref": agency_id},
    }


def _location_component(call: Mapping, incident_id: str, stamp: str, agency_id: str) -> dict:
    lat = _coordinate(call.get("latitude"), "latitude", 90)
    lon = _coordinate(call.get("longitude"), "longitude", 180)
    if lat is None or lon is None:
        return {}
    component_id = _component_id(incident_id, "location")
    location = {
        **_prologue(component_id, stamp, agency_id),
        "locationTypeDescriptionRegistryText": "CurrentIncident",
        "locationByValue": pidf.point_document(
            f"pres:incident@{agency_id}", component_id, lat, lon
        ),
    }
    if call.get("location_text"):
        location["locationDescriptionText"] = str(call["location_text"])
    return location


def render_incident(
    call: Mapping,
    *,
    agency_id: str,
    updated_by: str,
    recode_note: str = "",
    agency_types: Sequence[str] = ("police",),
    agency_roles: Sequence[str] = ("Assisting",),
) -> dict:
    """An EIDO 1.0 document for a CAD: the incident as Tandem now sees it.

    `call` is a plain mapping; only these keys are read: number, incident_id, call_type,
    apco_code (or final_apco_code after a recode), final_call_type, location_text,
    latitude, longitude, status, updated_at. Everything else in it (narrative, subject,
    screenings, behavioural-health details) is ignored by construction: the CAD sits
    outside Tandem's privacy gate, so no narrative, person or clinical data is ever sent.
    received_at and behavioral_health are read by no EIDO element: the CAD owns call
    timing, and EIDO 1.0 has no behavioural-health flag (the APCO type carries it).

    When final_call_type differs from call_type, the incident carries the final type
    (incidentTypeInternalCode/Text) so the CAD can recode its call, and `recode_note`,
    if given, travels as a Notes component. The caller guarantees the note is plain,
    non-clinical text; it is HTML-escaped here. A location is sent only with
    coordinates, because STA-021 requires a PIDF-LO and free text is not one.

    `updated_by` identifies the Tandem element issuing the EIDO (issuingElementIdentification,
    NENA-STA-010 form such as "tandem.county.example.gov"); `agency_id` is the agency
    updating the incident and must be the $id the CAD knows it by. Raises ValueError on
    missing or malformed fields, and if the result would not validate.
    """
    if not agency_id or not updated_by:
        raise ValueError("agency_id and updated_by are required")
    call_type = str(call.get("call_type") or "")
    final_type = str(call.get("final_call_type") or "") or call_type
    recoded = final_type != call_type
    common = str(call.get("final_apco_code") or "") if recoded else ""
    common = common or str(call.get("apco_code") or "")
    if not final_type or not common:
        raise ValueError("a call type and its APCO code are required (incident type registry)")
    incident_id = str(call.get("incident_id") or "")
    number = str(call.get("number") or "")
    if not incident_id and not number:
        raise ValueError("incident_id or number is required")
    incident_id = incident_id or f"urn:emergency:uid:incidentid:{number}:{agency_id}"
    stamp = _rfc3339(call.get("updated_at"), "updated_at")

    incident: dict[str, Any] = {
        **_prologue(_component_id(incident_id, "incident"), stamp, agency_id),
        "incidentTypeCommonRegistryText": common,
        "incidentTypeInternalCode": final_type,
        "incidentTypeInternalText": final_type,
    }
    if number:
        incident["internalIncidentId"] = number
    status = str(call.get("status") or "")
    if status:
        incident["incidentStatusInternalText"] = [status]
        if status in STATUS_COMMON:
            incident["incidentStatusCommonRegistryText"] = [STATUS_COMMON[status]]
    document: dict[str, Any] = {
        **_prologue(incident_id, stamp, agency_id),
        "eidoVersion": EIDO_VERSION,
        "issuingElementIdentification": updated_by,
        "agencyComponent": [
            {
                **_prologue(agency_id, stamp, agency_id),
                "agencyRoleDescriptionRegistryText": list(agency_roles),
                "agencyType": list(agency_types),
            }
        ],
        "incidentComponent": incident,
    }
    location = _location_component(call, incident_id, stamp, agency_id)
    if location:
        incident["locationReference"] = [{"$ref": location["$id"]}]
        document["locationComponent"] = [location]
    if recoded and recode_note.strip():
        note_id = _component_id(incident_id, f"recode:{final_type}")
        text = html.escape(recode_note.strip()).replace("\n", "<br>")
        incident["notesReference"] = [{"$ref": note_id}]
        document["notesComponent"] = [
            {**_prologue(note_id, stamp, agency_id), "notesActionComments": f"<p>{text}</p>"}
        ]
    errors = validate_document(document)
    if errors:
        raise ValueError(f"rendered EIDO does not validate: {errors}")
    return document

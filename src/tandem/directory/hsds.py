"""Open Referral HSDS 3.0 JSON in and out.

In: `parse_document()` takes an HSDS document, either an API page of services
(`{"total_items": ..., "contents": [service, ...]}`, the shape of GET /services), a
list of services, or one service, each fully nested as in HSDS's
`schema/compiled/service.json`. It validates each service against `hsds_schema` and
Tandem's own rules and returns the valid ones, parsed, with every problem of the
others as {"path": "$.contents[3].schedules[0].byday", "message": ...}. A service with
any problem is rejected whole; the rest still import (`directory.services`).

Out: `render_page()` writes the same page shape, which imports back to the same rows.

Tandem's own vocabulary travels as HSDS attributes: the need a service meets is a term
of the taxonomy `TANDEM_TAXONOMY` (code = `ServiceCategory` value), and "referrals here
are Part 2 information" is its term `part2_program`. The owning agency of an
organization's entries is an organization identifier with scheme `tandem-agency` whose
identifier is the agency's code.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.utils import timezone
from jsonschema import Draft202012Validator

from tandem.directory import hours
from tandem.directory.hsds_schema import SCHEMA
from tandem.directory.models import ServiceCategory

HSDS_VERSION = "3.0"
AGENCY_SCHEME = "tandem-agency"
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tandem:hsds")
TANDEM_TAXONOMY = {
    "id": str(uuid.uuid5(_NS, "taxonomy:tandem")),
    "name": "Tandem needs",
    "description": "Needs a co-responder program refers people for, and Tandem's flags.",
    "version": "1",
}
PART2_CODE = "part2_program"
TANDEM_TERMS: dict[str, tuple[str, str]] = {
    **{c.value: (str(c.label), f"Services for: {c.label.lower()}.") for c in ServiceCategory},
    PART2_CODE: (
        "42 CFR Part 2 program",
        "A federally assisted substance-use treatment program: a referral here is Part 2 "
        "information.",
    ),
}


def tandem_term_id(code: str) -> str:
    return str(uuid.uuid5(_NS, f"term:{code}"))


def derived_id(*parts: object) -> str:
    """A stable UUID for an object Tandem writes on export that has no stored id."""
    return str(uuid.uuid5(_NS, ":".join(str(p) for p in parts)))


# ------------------------------------------------------------------ parsed objects


@dataclass
class Term:
    id: uuid.UUID
    code: str
    name: str
    description: str
    taxonomy_id: uuid.UUID | None
    taxonomy: dict | None  # the nested taxonomy_detail, if any
    parent_id: uuid.UUID | None
    language: str
    term_uri: str


@dataclass
class AttributeIn:
    id: uuid.UUID
    term_id: uuid.UUID
    term: Term | None
    link_type: str
    value: str


@dataclass
class ParsedService:
    path: str
    id: uuid.UUID
    fields: dict[str, Any]
    organization_id: uuid.UUID | None
    organization: dict | None
    agency_code: str | None
    at_locations: list[dict] = field(default_factory=list)
    phones: list[dict] = field(default_factory=list)
    schedules: list[dict] = field(default_factory=list)
    attributes: list[AttributeIn] = field(default_factory=list)
    category: str = ""
    part2_program: bool = False


@dataclass
class ParseResult:
    services: list[ParsedService]
    errors: list[dict]
    rejected: int


# ------------------------------------------------------------------ validation


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def json_path(parts: Sequence[str | int], root: str = "$") -> str:
    out = root
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][\w]*", part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    for name, kind in (("boolean", bool), ("integer", int), ("number", float), ("string", str)):
        if isinstance(value, kind):
            return name
    return "object" if isinstance(value, Mapping) else "array"


def _schema_errors(service: Any, root: str) -> Iterator[dict]:
    for error in sorted(_validator().iter_errors(service), key=lambda e: list(e.absolute_path)):
        path = list(error.absolute_path)
        if error.validator == "required":
            for prop in error.validator_value:
                if isinstance(error.instance, Mapping) and prop not in error.instance:
                    yield _err([*path, prop], root, "required property is missing")
        elif error.validator == "type":
            expected = error.validator_value
            expected = " or ".join(expected) if isinstance(expected, list) else expected
            message = f"expected {expected}, got {_type_name(error.instance)}"
            yield _err(path, root, message)
        elif error.validator == "enum":
            choices = ", ".join(repr(c) for c in error.validator_value if c is not None)
            yield _err(path, root, f"must be one of {choices}, got {error.instance!r}")
        elif error.validator == "format":
            yield _err(path, root, f"expected a {error.validator_value}, got {error.instance!r}")
        elif error.validator == "pattern" and path and path[-1] in ("opens_at", "closes_at"):
            yield _err(path, root, f"expected a time HH:MM (24-hour), got {error.instance!r}")
        elif error.validator == "pattern" and path and path[-1] in ("valid_from", "valid_to"):
            yield _err(path, root, f"expected a date YYYY-MM-DD, got {error.instance!r}")
        else:
            yield _err(path, root, error.message)


def _err(parts: Sequence[str | int], root: str, message: str) -> dict:
    return {"path": json_path(parts, root), "message": message}


def _services_in(document: Any) -> tuple[list[tuple[str, Any]], list[dict]]:
    """(path, service) pairs of a page, a list or a single service."""
    if isinstance(document, list):
        return [(f"$[{i}]", s) for i, s in enumerate(document)], []
    if isinstance(document, Mapping) and "contents" in document:
        contents = document["contents"]
        if not isinstance(contents, list):
            return [], [{"path": "$.contents", "message": "expected an array of services"}]
        return [(f"$.contents[{i}]", s) for i, s in enumerate(contents)], []
    if isinstance(document, Mapping) and "id" in document and "name" in document:
        return [("$", document)], []
    return [], [
        {
            "path": "$",
            "message": 'expected an HSDS page of services ({"contents": [...]}), '
            f"a list of services or one service; got {_type_name(document)}",
        }
    ]


def parse_time(text: str | None) -> dt.time | None:
    """ "09:00", "09:00:00", "09:00-05:00", "14:00Z" -> local wall-clock time.

    A time with a UTC offset is moved into the program's time zone at its offset of
    today (a daylight-saving change can shift such a time by an hour; times without an
    offset are taken as local, which is what Tandem exports).
    """
    if not text:
        return None
    match = re.fullmatch(r"(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?", text)
    if not match:
        raise ValueError(f"expected a time HH:MM (24-hour), got {text!r}")
    hh, mm, ss, offset = match.groups()
    wall = dt.time(int(hh), int(mm), int(ss or 0))
    if not offset:
        return wall
    if offset == "Z":
        tz = dt.UTC
    else:
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        delta = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        tz = dt.timezone(sign * delta)
    aware = dt.datetime.combine(timezone.localdate(), wall, tzinfo=tz)
    return timezone.localtime(aware).time().replace(microsecond=0)


def _text(data: Mapping, key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _schedule(data: Mapping, where: list, root: str, errors: list) -> dict:
    parsed = {
        "id": _uuid(data["id"]),
        "freq": _text(data, "freq"),
        "byday": _text(data, "byday"),
        "description": _text(data, "description"),
        "notes": _text(data, "notes"),
    }
    if parsed["freq"] in ("", "WEEKLY"):
        try:
            hours.parse_byday(parsed["byday"])
        except ValueError as exc:
            errors.append(_err([*where, "byday"], root, str(exc)))
    for key in ("opens_at", "closes_at"):
        try:
            parsed[key] = parse_time(data.get(key))
        except ValueError as exc:
            errors.append(_err([*where, key], root, str(exc)))
    for key in ("valid_from", "valid_to"):
        try:
            parsed[key] = dt.date.fromisoformat(data[key]) if data.get(key) else None
        except ValueError:
            errors.append(_err([*where, key], root, f"not a date: {data[key]!r}"))
    start, end = parsed.get("valid_from"), parsed.get("valid_to")
    if start and end and end < start:
        errors.append(_err([*where, "valid_to"], root, "is before valid_from"))
    return parsed


def _phone(data: Mapping) -> dict:
    extension = data.get("extension")
    return {
        "id": _uuid(data["id"]),
        "number": data["number"],
        "extension": int(extension) if extension is not None else None,
        "type": _text(data, "type")[:20],
        "description": _text(data, "description"),
    }


def _location(data: Mapping, where: list, root: str, errors: list) -> dict:
    return {
        "id": _uuid(data["id"]),
        "organization_id": _uuid(data.get("organization_id")),
        "location_type": data["location_type"],
        "name": _text(data, "name")[:200],
        "description": _text(data, "description"),
        "transportation": _text(data, "transportation"),
        "latitude": data.get("latitude"),
        "longitude": data.get("longitude"),
        "addresses": [
            {
                "id": _uuid(a["id"]),
                **{
                    k: _text(a, k)
                    for k in (
                        "address_1",
                        "address_2",
                        "city",
                        "state_province",
                        "postal_code",
                        "country",
                        "address_type",
                    )
                },
            }
            for a in data.get("addresses") or []
        ],
        "phones": [_phone(p) for p in data.get("phones") or []],
        "schedules": [
            _schedule(s, [*where, "schedules", i], root, errors)
            for i, s in enumerate(data.get("schedules") or [])
        ],
    }


def _term(data: Mapping) -> Term:
    detail = data.get("taxonomy_detail")
    taxonomy_id = _uuid(data.get("taxonomy_id")) or (_uuid(detail["id"]) if detail else None)
    return Term(
        id=_uuid(data["id"]),
        code=_text(data, "code")[:100],
        name=data["name"][:200],
        description=_text(data, "description"),
        taxonomy_id=taxonomy_id,
        taxonomy=dict(detail) if detail else None,
        parent_id=_uuid(data.get("parent_id")),
        language=_text(data, "language")[:8],
        term_uri=_text(data, "term_uri")[:300],
    )


def _parse_service(data: Mapping, root: str) -> tuple[ParsedService | None, list[dict]]:
    errors = list(_schema_errors(data, root))
    if errors:
        return None, errors
    organization = data.get("organization")
    org_id = _uuid(data.get("organization_id"))
    if organization and org_id and uuid.UUID(organization["id"]) != org_id:
        errors.append(_err(["organization", "id"], root, "differs from organization_id"))
    agency_code = None
    for ident in (organization or {}).get("organization_identifiers") or []:
        if ident.get("identifier_scheme") == AGENCY_SCHEME:
            agency_code = ident["identifier"]
    low, high = data.get("minimum_age"), data.get("maximum_age")
    if low is not None and high is not None and low > high:
        errors.append(_err(["maximum_age"], root, f"is below minimum_age ({low})"))
    service = ParsedService(
        path=root,
        id=uuid.UUID(data["id"]),
        fields={
            "name": data["name"],
            "alternate_name": _text(data, "alternate_name")[:200],
            "description": _text(data, "description"),
            "url": _text(data, "url")[:300],
            "email": _text(data, "email")[:200],
            "status": data["status"],
            "application_process": _text(data, "application_process"),
            "fees_description": _text(data, "fees_description"),
            "eligibility": _text(data, "eligibility_description"),
            "minimum_age": int(low) if low is not None else None,
            "maximum_age": int(high) if high is not None else None,
        },
        organization_id=uuid.UUID(organization["id"]) if organization else org_id,
        organization=dict(organization) if organization else None,
        agency_code=agency_code,
    )
    for i, sal in enumerate(data.get("service_at_locations") or []):
        where = ["service_at_locations", i]
        location = sal.get("location")
        if location is None and not sal.get("location_id"):
            errors.append(_err(where, root, "needs a location or a location_id"))
            continue
        service.at_locations.append(
            {
                "id": uuid.UUID(sal["id"]),
                "description": _text(sal, "description"),
                "location_id": uuid.UUID(location["id"] if location else sal["location_id"]),
                "location": _location(location, [*where, "location"], root, errors)
                if location
                else None,
                "schedules": [
                    _schedule(s, [*where, "schedules", j], root, errors)
                    for j, s in enumerate(sal.get("schedules") or [])
                ],
            }
        )
    service.phones = [_phone(p) for p in data.get("phones") or []]
    service.schedules = [
        _schedule(s, ["schedules", i], root, errors)
        for i, s in enumerate(data.get("schedules") or [])
    ]
    for i, attr in enumerate(data.get("attributes") or []):
        term = _term(attr["taxonomy_term"]) if attr.get("taxonomy_term") else None
        term_id = term.id if term else _uuid(attr.get("taxonomy_term_id"))
        if term_id is None:
            errors.append(
                _err(["attributes", i], root, "needs a taxonomy_term or a taxonomy_term_id")
            )
            continue
        service.attributes.append(
            AttributeIn(
                id=uuid.UUID(attr["id"]),
                term_id=term_id,
                term=term,
                link_type=_text(attr, "link_type")[:100],
                value=_text(attr, "value")[:300],
            )
        )
        if term and str(term.taxonomy_id) == TANDEM_TAXONOMY["id"]:
            if term.code == PART2_CODE:
                service.part2_program = True
            elif term.code in ServiceCategory.values and not service.category:
                service.category = term.code
    return (None if errors else service), errors


def parse_document(document: Any) -> ParseResult:
    """Every service of the document parsed, or rejected with all its problems."""
    pairs, errors = _services_in(document)
    services: list[ParsedService] = []
    seen: dict[uuid.UUID, str] = {}
    rejected = 0
    for root, data in pairs:
        parsed, problems = _parse_service(data, root)
        if parsed is not None and parsed.id in seen:
            problems = [_err(["id"], root, f"the same service id as {seen[parsed.id]}")]
            parsed = None
        if parsed is None:
            errors.extend(problems)
            rejected += 1
            continue
        seen[parsed.id] = root
        services.append(parsed)
    return ParseResult(services=services, errors=errors, rejected=rejected)


# ------------------------------------------------------------------ export


def _compact(data: dict, *keep: str) -> dict:
    """Drop empty values, except the keys HSDS requires."""
    return {k: v for k, v in data.items() if k in keep or v not in (None, "", [])}


def _time(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def render_schedule(s, **links) -> dict:
    return _compact(
        {
            "id": str(s.hsds_id),
            **{k: str(v) for k, v in links.items()},
            "valid_from": s.valid_from.isoformat() if s.valid_from else None,
            "valid_to": s.valid_to.isoformat() if s.valid_to else None,
            "freq": s.freq or None,
            "byday": s.byday,
            "opens_at": _time(s.opens_at),
            "closes_at": _time(s.closes_at),
            "description": s.description,
            "notes": s.notes,
        },
        "id",
    )


def render_phone(p, **links) -> dict:
    return _compact(
        {
            "id": str(p.hsds_id),
            **{k: str(v) for k, v in links.items()},
            "number": p.number,
            "extension": p.extension,
            "type": p.type,
            "description": p.description,
        },
        "id",
        "number",
    )


def render_location(loc) -> dict:
    return _compact(
        {
            "id": str(loc.hsds_id),
            "location_type": loc.location_type,
            "organization_id": str(loc.organization.hsds_id) if loc.organization else None,
            "name": loc.name,
            "description": loc.description,
            "transportation": loc.transportation,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "addresses": [
                _compact(
                    {
                        "id": str(a.hsds_id),
                        "location_id": str(loc.hsds_id),
                        "address_1": a.address_1,
                        "address_2": a.address_2,
                        "city": a.city,
                        "state_province": a.state_province,
                        "postal_code": a.postal_code,
                        "country": a.country,
                        "address_type": a.address_type,
                    },
                    "id",
                    "address_1",
                    "city",
                    "state_province",
                    "postal_code",
                    "country",
                    "address_type",
                )
                for a in loc.addresses.all()
            ],
            "phones": [render_phone(p, location_id=loc.hsds_id) for p in loc.phones.all()],
            "schedules": [render_schedule(s, location_id=loc.hsds_id) for s in loc.schedules.all()],
        },
        "id",
        "location_type",
    )


def render_taxonomy(t) -> dict:
    return _compact(
        {
            "id": str(t.hsds_id),
            "name": t.name,
            "description": t.description,
            "uri": t.uri,
            "version": t.version,
        },
        "id",
        "name",
        "description",
    )


def render_term(term) -> dict:
    return _compact(
        {
            "id": str(term.hsds_id),
            "code": term.code,
            "name": term.name,
            "description": term.description,
            "parent_id": str(term.parent.hsds_id) if term.parent else None,
            "taxonomy_id": str(term.taxonomy.hsds_id) if term.taxonomy else None,
            "taxonomy_detail": render_taxonomy(term.taxonomy) if term.taxonomy else None,
            "language": term.language,
            "term_uri": term.term_uri,
        },
        "id",
        "name",
        "description",
    )


def _tandem_attribute(service, code: str) -> dict:
    name, description = TANDEM_TERMS[code]
    return {
        "id": derived_id(service.hsds_id, "attribute", code),
        "link_id": str(service.hsds_id),
        "link_type": "service_type" if code != PART2_CODE else "regulation",
        "link_entity": "service",
        "taxonomy_term_id": tandem_term_id(code),
        "taxonomy_term": {
            "id": tandem_term_id(code),
            "code": code,
            "name": name,
            "description": description,
            "taxonomy_id": TANDEM_TAXONOMY["id"],
            "taxonomy_detail": dict(TANDEM_TAXONOMY),
        },
    }


def render_attributes(service) -> list[dict]:
    attributes = [
        _compact(
            {
                "id": str(a.hsds_id),
                "link_id": str(service.hsds_id),
                "link_type": a.link_type,
                "link_entity": "service",
                "taxonomy_term_id": str(a.taxonomy_term.hsds_id),
                "value": a.value,
                "taxonomy_term": render_term(a.taxonomy_term),
            },
            "id",
        )
        for a in service.attributes.all()
    ]
    # Services made outside an import (the synthetic history's fallbacks) carry their
    # Tandem need and Part 2 flag only as fields: write them as attributes too.
    codes = {a["taxonomy_term"].get("code") for a in attributes}
    if service.category and service.category not in codes:
        attributes.append(_tandem_attribute(service, service.category))
    if service.part2_program and PART2_CODE not in codes:
        attributes.append(_tandem_attribute(service, PART2_CODE))
    return attributes


def render_organization(service) -> dict:
    org = service.organization
    if org is None:  # a service with only an organization name
        return {
            "id": derived_id("organization", service.organization_name),
            "name": service.organization_name or "(unnamed)",
            "description": "",
        }
    return _compact(
        {
            "id": str(org.hsds_id),
            "name": org.name,
            "alternate_name": org.alternate_name,
            "description": org.description,
            "email": org.email,
            "website": org.website,
            "organization_identifiers": [
                _compact(
                    {
                        "id": str(i.hsds_id),
                        "organization_id": str(org.hsds_id),
                        "identifier_scheme": i.identifier_scheme,
                        "identifier_type": i.identifier_type,
                        "identifier": i.identifier,
                    },
                    "id",
                    "identifier_type",
                    "identifier",
                )
                for i in org.identifiers.all()
            ],
        },
        "id",
        "name",
        "description",
    )


def render_service(service) -> dict:
    organization = render_organization(service)
    return _compact(
        {
            "id": str(service.hsds_id),
            "organization_id": organization["id"],
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description,
            "url": service.url,
            "email": service.email,
            "status": service.status,
            "application_process": service.application_process,
            "fees_description": service.fees_description,
            "eligibility_description": service.eligibility,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "last_modified": service.updated_at.astimezone(dt.UTC).isoformat(),
            "organization": organization,
            "service_at_locations": [
                _compact(
                    {
                        "id": str(sal.hsds_id),
                        "service_id": str(service.hsds_id),
                        "location_id": str(sal.location.hsds_id),
                        "description": sal.description,
                        "location": render_location(sal.location),
                        "schedules": [
                            render_schedule(s, service_at_location_id=sal.hsds_id)
                            for s in sal.schedules.all()
                        ],
                    },
                    "id",
                )
                for sal in service.at_locations.all()
            ],
            "phones": [render_phone(p, service_id=service.hsds_id) for p in service.phones.all()],
            "schedules": [
                render_schedule(s, service_id=service.hsds_id) for s in service.schedules.all()
            ],
            "attributes": render_attributes(service),
        },
        "id",
        "name",
        "status",
    )


def render_page(services: Sequence) -> dict:
    """An HSDS 3.0 API page (GET /services?full=true) holding every service."""
    contents = [render_service(s) for s in services]
    return {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }

"""The subset of Open Referral HSDS 3.0 that Tandem reads, as JSON Schema (2020-12).

Shapes, names, required fields and enums follow the HSDS 3.0 schema files
(openreferral/specification, schema/*.json and schema/compiled/service.json, 3.0.1):
a fully nested `service` with its `organization`, `service_at_locations` (each with
its `location` and the location's `addresses` and `phones`), `phones`, `schedules` and
`attributes` (each with its `taxonomy_term` and the term's `taxonomy_detail`).
Properties Tandem does not store (contacts, languages, funding, metadata, ...) are
allowed, as HSDS allows them, and ignored.
"""

UUID = {"type": "string", "format": "uuid"}
TEXT = {"type": ["string", "null"]}
NUMBER = {"type": ["number", "null"]}
TIME = {
    "type": ["string", "null"],
    "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$",
}
DATE = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}
LOCATION_TYPES = ["physical", "postal", "virtual"]


def _obj(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


def _list(item: dict) -> dict:
    return {"type": ["array", "null"], "items": item}


PHONE = _obj(
    ["id", "number"],
    id=UUID,
    service_id=UUID,
    location_id=UUID,
    number={"type": "string", "minLength": 1, "maxLength": 40},
    extension={"type": ["number", "null"], "minimum": 0},
    type=TEXT,
    description=TEXT,
)
SCHEDULE = _obj(
    ["id"],
    id=UUID,
    service_id=UUID,
    location_id=UUID,
    service_at_location_id=UUID,
    valid_from=DATE,
    valid_to=DATE,
    freq={"enum": ["WEEKLY", "MONTHLY", None]},
    byday=TEXT,
    opens_at=TIME,
    closes_at=TIME,
    description=TEXT,
    notes=TEXT,
)
ADDRESS = _obj(
    ["id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
    id=UUID,
    location_id=UUID,
    address_1={"type": "string", "minLength": 1},
    address_2=TEXT,
    city={"type": "string", "minLength": 1},
    state_province={"type": "string", "minLength": 1},
    postal_code={"type": "string", "minLength": 1},
    country={"type": "string", "pattern": "^[A-Za-z]{2}$"},
    address_type={"enum": LOCATION_TYPES},
)
LOCATION = _obj(
    ["id", "location_type"],
    id=UUID,
    location_type={"enum": LOCATION_TYPES},
    organization_id=UUID,
    name=TEXT,
    description=TEXT,
    transportation=TEXT,
    latitude={"type": ["number", "null"], "minimum": -90, "maximum": 90},
    longitude={"type": ["number", "null"], "minimum": -180, "maximum": 180},
    addresses=_list(ADDRESS),
    phones=_list(PHONE),
    schedules=_list(SCHEDULE),
)
SERVICE_AT_LOCATION = _obj(
    ["id"],
    id=UUID,
    service_id=UUID,
    location_id=UUID,
    description=TEXT,
    location=LOCATION,
    schedules=_list(SCHEDULE),
)
TAXONOMY = _obj(
    ["id", "name", "description"],
    id=UUID,
    name={"type": "string", "minLength": 1},
    description={"type": "string"},
    uri=TEXT,
    version=TEXT,
)
TAXONOMY_TERM = _obj(
    ["id", "name", "description"],
    id=UUID,
    code=TEXT,
    name={"type": "string", "minLength": 1},
    description={"type": "string"},
    parent_id=UUID,
    taxonomy=TEXT,
    taxonomy_id=UUID,
    taxonomy_detail=TAXONOMY,
    language=TEXT,
    term_uri=TEXT,
)
ATTRIBUTE = _obj(
    ["id"],
    id=UUID,
    link_id=UUID,
    taxonomy_term_id=UUID,
    link_type=TEXT,
    link_entity=TEXT,
    value=TEXT,
    taxonomy_term=TAXONOMY_TERM,
)
ORGANIZATION_IDENTIFIER = _obj(
    ["id", "identifier_type", "identifier"],
    id=UUID,
    organization_id=UUID,
    identifier_scheme=TEXT,
    identifier_type={"type": "string"},
    identifier={"type": "string", "minLength": 1},
)
ORGANIZATION = _obj(
    ["id", "name", "description"],
    id=UUID,
    name={"type": "string", "minLength": 1, "maxLength": 200},
    alternate_name=TEXT,
    description={"type": "string"},
    email=TEXT,
    website=TEXT,
    organization_identifiers=_list(ORGANIZATION_IDENTIFIER),
)
SERVICE = _obj(
    ["id", "name", "status"],
    id=UUID,
    organization_id=UUID,
    name={"type": "string", "minLength": 1, "maxLength": 200},
    alternate_name=TEXT,
    description=TEXT,
    url=TEXT,
    email=TEXT,
    status={"enum": ["active", "inactive", "defunct", "temporarily closed"]},
    application_process=TEXT,
    fees_description=TEXT,
    eligibility_description=TEXT,
    minimum_age={"type": ["number", "null"], "minimum": 0, "maximum": 150},
    maximum_age={"type": ["number", "null"], "minimum": 0, "maximum": 150},
    organization=ORGANIZATION,
    service_at_locations=_list(SERVICE_AT_LOCATION),
    phones=_list(PHONE),
    schedules=_list(SCHEDULE),
    attributes=_list(ATTRIBUTE),
)
SCHEMA = {"$schema": "https://json-schema.org/draft/2020-12/schema", **SERVICE}

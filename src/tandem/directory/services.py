"""Writes of the directory: importing HSDS 3.0 JSON.

`directory_import` upserts on each object's HSDS `id`: a second import of the same file
changes nothing, an edited file updates the rows, and a service's phones, schedules,
attributes and service-at-locations become exactly those in the file. Services and
organizations missing from a file are left alone (a file may hold part of a directory).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, models, transaction

from tandem.agencies.models import Agency, AgencyKind
from tandem.directory import hours, hsds
from tandem.directory.models import (
    Address,
    Attribute,
    Location,
    Organization,
    OrganizationIdentifier,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from tandem.directory.selectors import service_schedules
from tandem.privacy.services import audit_record


@dataclass
class ImportResult:
    services: int = 0  # services imported (created or updated or unchanged)
    rejected: int = 0
    counts: Counter = field(default_factory=Counter)  # "service created", ...
    errors: list[dict] = field(default_factory=list)

    def lines(self) -> list[str]:
        done = ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items()))
        return [f"{self.services} services imported, {self.rejected} rejected ({done or '-'})"]


class _Writer:
    """Upserts by HSDS id, counting what changed; one per import."""

    def __init__(self, actor, result: ImportResult):
        self.actor = actor if actor is not None and actor.is_authenticated else None
        self.result = result

    def upsert(self, model: type[models.Model], hsds_id, owner: int, **values) -> Any:
        obj = model.objects.filter(hsds_id=hsds_id).first()
        name = model._meta.verbose_name
        if obj is None:
            obj = model(
                hsds_id=hsds_id,
                owning_agency_id=owner,
                created_by=self.actor,
                updated_by=self.actor,
                **values,
            )
            obj.save()
            self.result.counts[f"{name} created"] += 1
            return obj
        changed = {k: v for k, v in values.items() if _differs(getattr(obj, k), v)}
        if obj.owning_agency_id != owner:
            changed["owning_agency_id"] = owner
        if changed:
            for key, value in changed.items():
                setattr(obj, key, value)
            obj.updated_by = self.actor
            obj.save()
            self.result.counts[f"{name} updated"] += 1
        return obj

    def prune(self, queryset: models.QuerySet, keep: list) -> None:
        stale = queryset.exclude(hsds_id__in=keep)
        count = stale.count()
        if count:
            stale.delete()
            self.result.counts[f"{queryset.model._meta.verbose_name} removed"] += count


def _differs(current, new) -> bool:
    if isinstance(current, models.Model):
        return current.pk != getattr(new, "pk", new)
    return current != new


def default_agency() -> Agency | None:
    """The regional administrator, owner of entries no organization identifier claims."""
    return (
        Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).order_by("id").first()
        or Agency.objects.order_by("id").first()
    )


def directory_import(*, actor, document: Any, agency_id: int | None = None) -> ImportResult:
    """Import an HSDS 3.0 document; each valid service is written, each invalid one is
    reported with the JSON path and reason of every problem."""
    parsed = hsds.parse_document(document)
    result = ImportResult(rejected=parsed.rejected, errors=list(parsed.errors))
    if agency_id is None:
        agency = default_agency()
        if agency is None:
            raise ValueError("no agencies: load a program file before the directory")
        agency_id = agency.pk
    services = _check_references(parsed.services, result)
    writer = _Writer(actor, result)
    with transaction.atomic():
        for service in services:
            try:
                with transaction.atomic():
                    _write_service(writer, service, agency_id)
                result.services += 1
            except DatabaseError as exc:
                result.rejected += 1
                result.errors.append({"path": service.path, "message": f"not saved: {exc}"})
        audit_record(
            actor=actor,
            action="import",
            agency_id=agency_id if actor is None else None,
            reason=f"HSDS directory import: {result.lines()[0]}",
        )
    return result


def _check_references(services: list[hsds.ParsedService], result: ImportResult) -> list:
    """Drop (and report) services that point at objects neither the file nor the
    directory has, or name an agency that does not exist."""
    orgs = {s.organization_id for s in services if s.organization}
    locations = {sal["location_id"] for s in services for sal in s.at_locations}
    nested_locations = {
        sal["location_id"] for s in services for sal in s.at_locations if sal["location"]
    }
    terms = {a.term_id for s in services for a in s.attributes if a.term}
    known_orgs = orgs | set(Organization.objects.values_list("hsds_id", flat=True))
    known_locations = nested_locations | set(
        Location.objects.filter(hsds_id__in=locations).values_list("hsds_id", flat=True)
    )
    known_terms = terms | set(TaxonomyTerm.objects.values_list("hsds_id", flat=True))
    agencies = set(Agency.objects.values_list("code", flat=True))
    valid = []
    for s in services:
        problems = []
        if s.organization_id and s.organization_id not in known_orgs:
            problems.append(("organization_id", "no organization with this id"))
        if s.agency_code and s.agency_code not in agencies:
            problems.append(
                ("organization.organization_identifiers", f"no agency with code {s.agency_code!r}")
            )
        for i, sal in enumerate(s.at_locations):
            if sal["location_id"] not in known_locations:
                problems.append((f"service_at_locations[{i}].location_id", "no such location"))
        for i, attr in enumerate(s.attributes):
            if attr.term_id not in known_terms:
                problems.append((f"attributes[{i}].taxonomy_term_id", "no such taxonomy term"))
        if problems:
            result.rejected += 1
            result.errors.extend(
                {"path": f"{s.path}.{where}", "message": message} for where, message in problems
            )
        else:
            valid.append(s)
    return valid


def _owner(service: hsds.ParsedService, agency_id: int) -> int:
    if service.agency_code:
        return Agency.objects.get(code=service.agency_code).pk
    if service.organization is None and service.organization_id:
        org = Organization.objects.filter(hsds_id=service.organization_id).first()
        if org is not None:
            return org.owning_agency_id
    return agency_id


def _write_service(w: _Writer, s: hsds.ParsedService, agency_id: int) -> Service:
    owner = _owner(s, agency_id)
    organization = _write_organization(w, s, owner)
    for attr in s.attributes:
        if attr.term:
            _write_term(w, attr.term, agency_id)
    service = w.upsert(
        Service,
        s.id,
        owner,
        organization=organization,
        organization_name=(organization.name if organization else "")[:200],
        category=s.category,
        part2_program=s.part2_program,
        **s.fields,
    )
    at_locations = []
    for sal in s.at_locations:
        location = (
            _write_location(w, sal["location"], owner, organization)
            if sal["location"]
            else Location.objects.get(hsds_id=sal["location_id"])
        )
        at = w.upsert(
            ServiceAtLocation,
            sal["id"],
            owner,
            service=service,
            location=location,
            description=sal["description"],
        )
        _write_schedules(w, sal["schedules"], owner, at.schedules, service_at_location=at)
        at_locations.append(at)
    w.prune(service.at_locations.all(), [sal["id"] for sal in s.at_locations])
    for phone in s.phones:
        w.upsert(Phone, phone["id"], owner, service=service, location=None, **_no_id(phone))
    w.prune(service.phones.all(), [p["id"] for p in s.phones])
    _write_schedules(w, s.schedules, owner, service.schedules, service=service)
    for attr in s.attributes:
        term = TaxonomyTerm.objects.get(hsds_id=attr.term_id)
        w.upsert(
            Attribute,
            attr.id,
            owner,
            service=service,
            taxonomy_term=term,
            link_type=attr.link_type,
            value=attr.value,
        )
    w.prune(service.attributes.all(), [a.id for a in s.attributes])
    _summarise(w, service, at_locations)
    return service


def _no_id(values: dict) -> dict:
    return {k: v for k, v in values.items() if k != "id"}


def _write_schedules(w: _Writer, schedules: list[dict], owner: int, related, **link) -> None:
    for schedule in schedules:
        w.upsert(Schedule, schedule["id"], owner, **link, **_no_id(schedule))
    w.prune(related.all(), [s["id"] for s in schedules])


def _write_organization(w: _Writer, s: hsds.ParsedService, owner: int) -> Organization | None:
    data = s.organization
    if data is None:
        if s.organization_id is None:
            return None
        return Organization.objects.get(hsds_id=s.organization_id)
    org = w.upsert(
        Organization,
        uuid.UUID(data["id"]),
        owner,
        name=data["name"],
        alternate_name=(data.get("alternate_name") or "")[:200],
        description=data.get("description") or "",
        email=(data.get("email") or "")[:200],
        website=(data.get("website") or "")[:300],
    )
    identifiers = data.get("organization_identifiers") or []
    for ident in identifiers:
        w.upsert(
            OrganizationIdentifier,
            uuid.UUID(ident["id"]),
            owner,
            organization=org,
            identifier_scheme=(ident.get("identifier_scheme") or "")[:100],
            identifier_type=ident["identifier_type"][:100],
            identifier=ident["identifier"][:200],
        )
    w.prune(org.identifiers.all(), [uuid.UUID(i["id"]) for i in identifiers])
    return org


def _write_location(w: _Writer, data: dict, owner: int, organization) -> Location:
    location = w.upsert(
        Location,
        data["id"],
        owner,
        organization=organization,
        location_type=data["location_type"],
        name=data["name"],
        description=data["description"],
        transportation=data["transportation"],
        latitude=data["latitude"],
        longitude=data["longitude"],
    )
    for address in data["addresses"]:
        w.upsert(Address, address["id"], owner, location=location, **_no_id(address))
    w.prune(location.addresses.all(), [a["id"] for a in data["addresses"]])
    for phone in data["phones"]:
        w.upsert(Phone, phone["id"], owner, location=location, service=None, **_no_id(phone))
    w.prune(location.phones.all(), [p["id"] for p in data["phones"]])
    _write_schedules(w, data["schedules"], owner, location.schedules, location=location)
    return location


def _write_term(w: _Writer, term: hsds.Term, agency_id: int) -> TaxonomyTerm:
    taxonomy = None
    if term.taxonomy:
        detail = term.taxonomy
        taxonomy = w.upsert(
            Taxonomy,
            uuid.UUID(detail["id"]),
            agency_id,
            name=detail["name"][:200],
            description=detail.get("description") or "",
            uri=(detail.get("uri") or "")[:300],
            version=(detail.get("version") or "")[:40],
        )
    elif term.taxonomy_id:
        taxonomy = Taxonomy.objects.filter(hsds_id=term.taxonomy_id).first()
    parent = TaxonomyTerm.objects.filter(hsds_id=term.parent_id).first() if term.parent_id else None
    return w.upsert(
        TaxonomyTerm,
        term.id,
        agency_id,
        taxonomy=taxonomy,
        code=term.code,
        name=term.name,
        description=term.description,
        parent=parent,
        language=term.language,
        term_uri=term.term_uri,
    )


def _summarise(w: _Writer, service: Service, at_locations: list[ServiceAtLocation]) -> None:
    """The one-line address, phone and hours kept on the service for lists."""
    locations = [at.location for at in at_locations]
    address = next(
        (a for loc in locations for a in loc.addresses.all() if a.address_type == "physical"),
        None,
    )
    phone = service.phones.first() or next((p for loc in locations for p in loc.phones.all()), None)
    schedules = list(service_schedules(service))
    summary = {
        "address": f"{address.address_1}, {address.city}"[:300] if address else "",
        "phone": phone.number[:32] if phone else "",
        "hours": hours.summary(schedules),
    }
    changed = {k: v for k, v in summary.items() if getattr(service, k) != v}
    if changed:
        Service.objects.filter(pk=service.pk).update(**changed)

"""Writes of people: create and change a person, with their matching keys, audited.

A person's matching keys (`PersonKey`) are rewritten in the transaction that saves the
person, so intake matching never sees a person without keys or with stale ones.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from tandem.accounts.roles import ROLE_PERMISSIONS, Perm
from tandem.people.matching import keys_write
from tandem.people.models import Person
from tandem.privacy.selectors import visible
from tandem.privacy.services import audit_record

EDITABLE = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "address",
    "jurisdiction_id",
)


@transaction.atomic
def person_create(
    *,
    actor,
    given_name: str,
    family_name: str,
    preferred_name: str = "",
    date_of_birth: dt.date | None = None,
    sex: str = "",
    phone: str = "",
    address: str = "",
    jurisdiction_id: int | None = None,
    owning_agency_id: int | None = None,
) -> Person:
    """Record a person for one of the actor's agencies (by default the first it works for)."""
    agency_id = _writable_agency(actor, owning_agency_id)
    person = Person(
        owning_agency_id=agency_id,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        preferred_name=preferred_name.strip(),
        date_of_birth=date_of_birth,
        sex=sex,
        phone=phone.strip(),
        address=address.strip(),
        jurisdiction_id=jurisdiction_id,
        created_by=actor,
        updated_by=actor,
    )
    person.full_clean()
    person.save()
    keys_write(person)
    audit_record(actor=actor, action="create", obj=person, person_id=person.pk, agency_id=agency_id)
    return person


@transaction.atomic
def person_update(*, actor, person_id: int, **changes) -> Person:
    """Change a person the actor's agency owns; unknown fields are refused."""
    if unknown := set(changes) - set(EDITABLE):
        raise TypeError(f"person_update() cannot change {', '.join(sorted(unknown))}")
    if not visible(actor, Person.objects.filter(pk=person_id)).exists():
        raise Http404("No such record.")
    person = Person.objects.select_for_update().get(pk=person_id)
    _writable_agency(actor, person.owning_agency_id)
    changed = sorted(name for name, value in changes.items() if getattr(person, name) != value)
    for name in changed:
        setattr(person, name, changes[name])
    if not changed:
        return person
    person.updated_by = actor
    person.full_clean()
    person.save()
    keys_write(person)
    audit_record(
        actor=actor,
        action="update",
        obj=person,
        person_id=person.pk,
        reason=f"changed {', '.join(changed)}",
        agency_id=person.owning_agency_id,
    )
    return person


def _writable_agency(actor, agency_id: int | None) -> int:
    """The agency the actor records people for: one where a role lets them see people."""
    agencies = [
        m.owning_agency_id
        for m in actor.memberships_cached()
        if Perm.VIEW_PEOPLE in ROLE_PERMISSIONS[m.role]
    ]
    if agency_id is None and agencies:
        return agencies[0]
    if agency_id not in agencies:
        raise PermissionDenied("Only people of your own agency can be recorded or changed.")
    return agency_id

"""Turn sampled arrays into table columns, with ids assigned up front.

Ids are given here (the current maximum of each table plus one, counting up) so that
child rows can point at their parents without reading anything back.
"""

from dataclasses import dataclass

import numpy as np

from tandem.demo import history_text as text
from tandem.demo.history_outcomes import (
    DISPOSITION_CODES,
    FOLLOWUP_STATUSES,
    MODALITIES,
    MODE_OF_MODEL,
    REFERRAL_STATUSES,
    RISK_LEVELS,
    Referrals,
    Responses,
)
from tandem.demo.history_region import Region
from tandem.demo.history_sample import SEXES, SOURCES, Calls, People, location_pool, phone_pool
from tandem.demo.history_sql import Dates, Ids, Pick, Table, Texts, Times
from tandem.dispatch.models import Assignment, Call
from tandem.encounters import diversion
from tandem.encounters.models import Encounter
from tandem.followups.models import FollowUp
from tandem.people.linkage_prepare import nickname_table
from tandem.people.models import Person, PersonIdentifier
from tandem.referrals.models import Referral

NUMBER_PREFIX = "H"  # generated call numbers: H2025-0000001
GENERATED_NUMBER_RE = r"^H[0-9]{4}-[0-9]{7}$"
MAX_SEQUENCE = 9_999_999
FAMILIES = tuple(text.PRESENTING_PROBLEMS)


@dataclass(frozen=True)
class Bases:
    """The largest id in each table before the run."""

    call: int
    assignment: int
    encounter: int
    person: int
    identifier: int
    referral: int
    followup: int


def _ids(base: int, index: np.ndarray) -> np.ndarray:
    return np.where(index >= 0, base + 1 + index, -1)


def call_numbers(calls: Calls) -> list[str]:
    """H{year}-{sequence}, the sequence restarting each local calendar year."""
    year = calls.local_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    order = np.argsort(year, kind="stable")
    _, first, counts = np.unique(year[order], return_index=True, return_counts=True)
    if len(counts) and counts.max() > MAX_SEQUENCE:
        raise ValueError("more than 9,999,999 calls in one year")
    seq = np.empty(calls.n, dtype=np.int64)
    seq[order] = np.arange(calls.n) - np.repeat(first, counts) + 1
    return [f"{NUMBER_PREFIX}{y}-{s:07d}" for y, s in zip(year.tolist(), seq.tolist(), strict=True)]


def call_table(region: Region, calls: Calls, resp: Responses, b: Bases, actor_id) -> Table:
    types = region.call_types
    updated = calls.received.copy()
    updated[resp.call] = resp.cleared
    received = Times(calls.received)
    return Table(
        Call,
        calls.n,
        {
            "id": b.call + 1 + np.arange(calls.n),
            "owning_agency_id": region.jurisdiction_owner[calls.jurisdiction],
            "created_at": received,
            "updated_at": Times(updated),
            "created_by_id": actor_id,
            "updated_by_id": actor_id,
            "number": Texts(call_numbers(calls)),
            "source": Pick(SOURCES, calls.source),
            "received_at": received,
            "call_type": Pick(types.code, calls.call_type),
            "apco_code": Pick(types.apco, calls.call_type),
            "final_call_type": Pick(types.code, calls.final_call_type),
            "priority": calls.priority,
            "location_text": Pick(location_pool(), calls.location),
            "latitude": calls.latitude,
            "longitude": calls.longitude,
            "jurisdiction_id": region.jurisdiction_id[calls.jurisdiction],
            "narrative": Pick(text.narrative_pool(), calls.narrative),
            "behavioral_health": calls.behavioral_health,
            "subject_id": Ids(_ids(b.person, calls.subject)),
            "status": "closed",
        },
    )


def assignment_table(region: Region, calls: Calls, resp: Responses, b: Bases, actor_id):
    assigned, cleared = Times(resp.assigned), Times(resp.cleared)
    return Table(
        Assignment,
        resp.n,
        {
            "id": b.assignment + 1 + np.arange(resp.n),
            # Part of the call's dispatch record, so owned like the call.
            "owning_agency_id": region.jurisdiction_owner[calls.jurisdiction[resp.call]],
            "created_at": assigned,
            "updated_at": cleared,
            "created_by_id": actor_id,
            "updated_by_id": actor_id,
            "call_id": b.call + 1 + resp.call,
            "team_id": region.team_id[resp.team],
            "mode": Pick(MODE_OF_MODEL, resp.mode),
            "assigned_at": assigned,
            "en_route_at": Times(resp.en_route),
            "on_scene_at": Times(resp.on_scene, resp.on_scene_null),
            "cleared_at": cleared,
            "officer_returned_at": Times(resp.officer_returned, resp.officer_returned_null),
            "assigned_by_id": None,
        },
    )


def _local_dispositions(region: Region, resp: Responses) -> Pick:
    """The program's own disposition code: the team agency's, else the region's shared one."""
    owners = region.team_owner[resp.team] if resp.n else np.zeros(0, np.int64)
    pool = sorted(set(region.disposition_codes.values()))
    index = np.full(resp.n, -1, dtype=np.int64)
    # Shared codes (agency 0) first, so an agency's own code overwrites them.
    for (agency, standard), code in sorted(region.disposition_codes.items()):
        if standard in DISPOSITION_CODES:
            rows = resp.disposition == DISPOSITION_CODES.index(standard)
            if agency:
                rows &= owners == agency
            index[rows] = pool.index(code)
    return Pick(pool, index)


def encounter_table(
    rng, region, calls: Calls, resp: Responses, person_row: np.ndarray, b: Bases, actor_id
) -> Table:
    """Encounters; `person_row` is each one's person (see `encounter_people`)."""
    n = resp.n
    started = Times(np.where(resp.on_scene_null, resp.en_route, resp.on_scene))
    ended = Times(resp.cleared)
    type_family = np.array([FAMILIES.index(f) for f in region.call_types.family], np.int64)
    call_type = np.where(
        calls.final_call_type[resp.call] >= 0,
        calls.final_call_type[resp.call],
        calls.call_type[resp.call],
    )
    family = type_family[call_type]
    assessed = resp.assessed
    destinations = list(text.TRANSPORT_DESTINATIONS)
    destination_of = np.array(
        [destinations.index(d) if d in destinations else -1 for d in DISPOSITION_CODES]
    )
    cited = np.isin(resp.disposition, [DISPOSITION_CODES.index(d) for d in ("arrest", "citation")])
    police = resp.mode != MODE_OF_MODEL.index("clinician_only")
    # Diversion: the rules of encounters.diversion (docs/metrics.md) over arrays. An
    # arrest was an option on an offence call or when one was made; a responder judged
    # a high-risk person would otherwise have gone to the emergency department.
    offence_type = np.array([c.upper() in diversion.OFFENCE_APCO for c in region.call_types.apco])
    arrestable = police & resp.located & (offence_type[call_type] | cited)
    ed_otherwise = resp.risk == RISK_LEVELS.index("high")
    jail, hospital = diversion.flag_arrays(
        disposition_codes=DISPOSITION_CODES,
        disposition=resp.disposition,
        offence_call=offence_type[call_type],
        arrestable_offence=arrestable,
        hospital_indicated=ed_otherwise,
    )
    return Table(
        Encounter,
        n,
        {
            "id": b.encounter + 1 + np.arange(n),
            "owning_agency_id": region.team_owner[resp.team],
            "created_at": started,
            "updated_at": ended,
            "created_by_id": actor_id,
            "updated_by_id": actor_id,
            "call_id": b.call + 1 + resp.call,
            "assignment_id": b.assignment + 1 + np.arange(n),
            "person_id": Ids(_ids(b.person, person_row)),
            "started_at": started,
            "ended_at": ended,
            "modality": Pick(MODALITIES, resp.modality),
            "clinician_assessed": assessed,
            "disposition": Pick(DISPOSITION_CODES, resp.disposition),
            "local_disposition": _local_dispositions(region, resp),
            "transport_destination": Pick(destinations, destination_of[resp.disposition]),
            "needs_emergency_care": resp.emergency,
            "weapons_present": resp.weapons,
            "safety_notes": _maybe(rng, text.SAFETY_NOTES, resp.weapons | (rng.random(n) < 0.1)),
            "force_used": resp.force,
            "injuries": resp.injuries,
            "charges": _maybe(rng, text.CHARGES, cited),
            "police_narrative": _maybe(rng, text.POLICE_NARRATIVES, police & resp.located),
            "risk_level": Pick(RISK_LEVELS, resp.risk),
            "presenting_problem": Pick(
                list(text.PRESENTING_PROBLEMS.values()), np.where(assessed, family, -1)
            ),
            "clinical_notes": _maybe(rng, text.CLINICAL_NOTES, assessed),
            "diagnosis_impression": _maybe(
                rng, text.DIAGNOSIS_IMPRESSIONS, assessed & (rng.random(n) < 0.7)
            ),
            "substance_use_notes": _maybe(
                rng, text.SUBSTANCE_USE_NOTES, assessed & (family == FAMILIES.index("substance"))
            ),
            "arrestable_offence": arrestable,
            "ed_otherwise": ed_otherwise,
            "diverted_from_jail": jail,
            "diverted_from_hospital": hospital,
        },
    )


def _maybe(rng, pool, where: np.ndarray) -> Pick:
    """A string from the pool where `where` holds, blank elsewhere."""
    return Pick(pool, np.where(where, rng.integers(0, len(pool), len(where)), -1))


@dataclass(frozen=True)
class ProviderRecords:
    """Each behavioral-health agency's own record of the people its clinicians assessed.

    A clinic registers a person in its EHR as it hears them, so its record differs from
    the police one the way real records do: a nickname, a typo, day and month swapped, no
    phone given, an older address, a married name. Encounters, referrals and follow-ups
    the clinic owns point at its own record; batch linkage (`tandem link-people`) joins
    the two, automatically when the evidence is strong and through the review queue when
    it is not.
    """

    keys: np.ndarray  # sorted (person, agency) keys, one per record
    source: np.ndarray  # the person each record is of
    owner: np.ndarray  # the agency that keeps it
    first_seen: np.ndarray

    @property
    def n(self) -> int:
        return len(self.keys)

    def rows(self, people: People, subject: np.ndarray, agency: np.ndarray) -> np.ndarray:
        """The person row an agency's record points at: its own record, else the police one."""
        key = _pair_key(subject, agency)
        pos = np.minimum(np.searchsorted(self.keys, key), max(self.n - 1, 0))
        hit = (subject >= 0) & (self.n > 0) & (self.keys[pos] == key if self.n else False)
        return np.where(hit, people.n + pos, subject)


def _pair_key(subject: np.ndarray, agency: np.ndarray) -> np.ndarray:
    return subject.astype(np.int64) * (1 << 20) + agency


def provider_records(region, calls: Calls, people: People, resp: Responses) -> ProviderRecords:
    subject = calls.subject[resp.call]
    team_owner = region.team_owner[resp.team]
    police_owner = region.jurisdiction_owner[people.jurisdiction]
    seen = resp.assessed & (subject >= 0)
    seen &= team_owner != police_owner[np.maximum(subject, 0)]
    keys, first = np.unique(_pair_key(subject[seen], team_owner[seen]), return_index=True)
    return ProviderRecords(
        keys=keys,
        source=subject[seen][first],
        owner=team_owner[seen][first],
        first_seen=resp.on_scene[seen][first],
    )


def encounter_people(region, calls: Calls, people: People, resp, prov: ProviderRecords):
    """Per response, the person row its encounter (owned by the team's agency) points at."""
    return prov.rows(people, calls.subject[resp.call], region.team_owner[resp.team])


def _typo(name: str, r: float) -> str:
    """One keying slip: two letters swapped, or one dropped."""
    if len(name) < 4:
        return name
    i = 1 + int(r * (len(name) - 2))
    if r < 0.5:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i + 1 :]


def _provider_names(rng, people: People, prov: ProviderRecords) -> tuple[list, list]:
    """Given and family names as the clinic wrote them down."""
    nicknames = nickname_table()
    given = [text.GIVEN_NAMES[i] for i in people.given[prov.source].tolist()]
    family = [text.FAMILY_NAMES[i] for i in people.family[prov.source].tolist()]
    u, r = rng.random((4, prov.n)).tolist(), rng.random(prov.n).tolist()
    spouse = rng.integers(0, len(text.FAMILY_NAMES), prov.n).tolist()
    for k in range(prov.n):
        related = sorted(nicknames.get(given[k].lower(), ()))
        if u[0][k] < 0.12 and related:
            given[k] = related[int(r[k] * len(related))].title()
        elif u[0][k] < 0.2:
            given[k] = _typo(given[k], r[k])
        if u[1][k] < 0.08:
            family[k] = _typo(family[k], u[2][k])
        elif u[1][k] < 0.11:
            family[k] = f"{family[k]}-{text.FAMILY_NAMES[spouse[k]]}"  # a married name
    return given, family


def _provider_birth_days(rng, people: People, prov: ProviderRecords) -> np.ndarray:
    """Dates of birth, a few with day and month swapped (where that is still a date)."""
    days = people.birth_day[prov.source]
    when = days.astype("datetime64[D]")
    year = when.astype("datetime64[Y]")
    month = (when.astype("datetime64[M]") - year.astype("datetime64[M]")).astype(np.int64) + 1
    day = (when - when.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    swap = (rng.random(prov.n) < 0.05) & (day <= 12) & (day != month)
    swapped = (year.astype("datetime64[M]") + (day - 1).astype("timedelta64[M]")).astype(
        "datetime64[D]"
    ) + (month - 1).astype("timedelta64[D]")
    return np.where(swap, swapped.astype(np.int64), days)


def person_tables(
    rng, region, calls: Calls, people: People, resp: Responses, prov: ProviderRecords, b, actor_id
):
    owner = region.jurisdiction_owner[people.jurisdiction]
    src = prov.source
    given, family = _provider_names(rng, people, prov)
    moved = rng.random(prov.n) < 0.2
    new_address = rng.integers(0, len(text.address_pool()), prov.n)
    rows = people.n + prov.n
    first_seen = Times(np.concatenate([people.first_seen, prov.first_seen]))
    person = Table(
        Person,
        rows,
        {
            "id": b.person + 1 + np.arange(rows),
            "owning_agency_id": np.concatenate([owner, prov.owner]),
            "created_at": first_seen,
            "updated_at": first_seen,
            "created_by_id": actor_id,
            "updated_by_id": actor_id,
            "given_name": Texts(
                np.array(text.GIVEN_NAMES, dtype=object)[people.given].tolist() + given
            ),
            "family_name": Texts(
                np.array(text.FAMILY_NAMES, dtype=object)[people.family].tolist() + family
            ),
            "preferred_name": "",
            "date_of_birth": Dates(
                np.concatenate([people.birth_day, _provider_birth_days(rng, people, prov)])
            ),
            "sex": Pick(SEXES, np.concatenate([people.sex, people.sex[src]])),
            "phone": Pick(
                phone_pool(),
                np.concatenate(
                    [people.phone, np.where(rng.random(prov.n) < 0.35, -1, people.phone[src])]
                ),
            ),
            "address": Pick(
                text.address_pool(),
                np.concatenate([people.address, np.where(moved, new_address, people.address[src])]),
            ),
            "jurisdiction_id": region.jurisdiction_id[
                np.concatenate([people.jurisdiction, people.jurisdiction[src]])
            ],
        },
    )
    # Each agency knows the person by its own number: the police RMS for everyone, the
    # behavioral-health agency's EHR for its own record of the people it assessed.
    who = np.arange(rows)
    values = [f"{NUMBER_PREFIX}{pid:08d}" for pid in (b.person + 1 + who).tolist()]
    identifier = Table(
        PersonIdentifier,
        rows,
        {
            "id": b.identifier + 1 + who,
            "owning_agency_id": np.concatenate([owner, prov.owner]),
            "created_at": first_seen,
            "updated_at": first_seen,
            "created_by_id": actor_id,
            "updated_by_id": actor_id,
            "person_id": b.person + 1 + who,
            "system": Pick(("rms", "ehr"), np.repeat([0, 1], [people.n, prov.n])),
            "value": Texts(values),
        },
    )
    return person, identifier


def referral_tables(rng, region, person_row: np.ndarray, resp, refs: Referrals, b, actor_id):
    n = refs.n
    enc = refs.encounter
    owner = region.team_owner[resp.team[enc]]
    person_id = b.person + 1 + person_row[enc]
    sent, changed = Times(refs.sent), Times(refs.changed)
    referral = Table(
        Referral,
        n,
        {
            "id": b.referral + 1 + np.arange(n),
            "owning_agency_id": owner,
            "created_at": sent,
            "updated_at": changed,
            "created_by_id": actor_id,
            "updated_by_id": actor_id,
            "encounter_id": b.encounter + 1 + enc,
            "person_id": person_id,
            "service_id": region.service_id[refs.service],
            "status": Pick(REFERRAL_STATUSES, refs.status),
            "sent_at": sent,
            "status_changed_at": changed,
            "reason": Pick(text.REFERRAL_REASONS, refs.reason),
        },
    )
    followup = Table(
        FollowUp,
        n,
        {
            "id": b.followup + 1 + np.arange(n),
            "owning_agency_id": owner,
            "created_at": Times(refs.sent),
            "updated_at": Times(np.where(refs.followup_open, refs.sent, refs.followup_completed)),
            "created_by_id": actor_id,
            "updated_by_id": actor_id,
            "person_id": person_id,
            "encounter_id": b.encounter + 1 + enc,
            "referral_id": b.referral + 1 + np.arange(n),
            "kind": "referral_check",
            "due_at": Times(refs.followup_due),
            "assigned_to_id": None,
            "status": Pick(FOLLOWUP_STATUSES, refs.followup_status),
            "completed_at": Times(refs.followup_completed, refs.followup_open),
            "outcome": Pick(
                [text.FOLLOWUP_OUTCOMES[s] for s in FOLLOWUP_STATUSES], refs.followup_status
            ),
            "notes": _maybe(rng, text.FOLLOWUP_NOTES, refs.followup_status == 0),  # done
        },
    )
    return referral, followup

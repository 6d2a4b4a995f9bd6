"""Vectorised sampling of what happened on each call: team, times, disposition, referrals.

Outcome rates are calibrated to the figures co-responder programs publish (product brief,
"What the seeds measure"): about a quarter of BH calls get an on-site clinician
assessment, ~2% of encounters end in arrest, ~10% in an ED transport or involuntary hold,
~40% are resolved on scene.
"""

from dataclasses import dataclass

import numpy as np

from tandem.demo.history_region import Region
from tandem.demo.history_sample import DAY, SOURCES, Calls, People
from tandem.demo.history_text import REFERRAL_REASONS
from tandem.encounters.models import Disposition

HOUR = 3600

# Chance a call is answered by a co-responder team when one covers it and is on duty.
DISPATCH_P = {True: 0.9, False: 0.35}  # keyed by behavioral_health
NEXUS_P = 0.25  # non-BH calls where the team finds a BH nexus and recodes the call
ASSESSED_BH_TARGET = 0.25  # share of all BH calls with an on-site clinician assessment
ASSESSED_OTHER_P = 0.08
OFFICER_RETURNS_P = 0.35  # ride-along / on-call: officer back to patrol, clinician stays

# fmt: off
MODELS = ("ride_along", "on_call", "clinician_only", "navigator", "floater", "telehealth")
MODE_OF_MODEL = (
    "co_responder", "clinician_callout", "clinician_only", "navigator",
    "clinician_callout", "clinician_callout",
)
# fmt: on
MODALITIES = ("in_person", "phone", "video")
RISK_LEVELS = ("low", "moderate", "high")

# Disposition, share of encounters, chance of a referral.
DISPOSITIONS = (
    (Disposition.RESOLVED_ON_SCENE, 0.40, 0.45),
    (Disposition.REFERRAL_ONLY, 0.14, 1.00),
    (Disposition.TRANSPORT_CRISIS_CENTER, 0.10, 0.60),
    (Disposition.TRANSPORT_DETOX, 0.04, 0.70),
    (Disposition.TRANSPORT_CLINIC, 0.03, 0.60),
    (Disposition.TRANSPORT_ED, 0.06, 0.40),
    (Disposition.INVOLUNTARY_HOLD, 0.04, 0.40),
    (Disposition.ARREST, 0.02, 0.30),
    (Disposition.CITATION, 0.03, 0.20),
    (Disposition.DECLINED, 0.08, 0.10),
    (Disposition.UNABLE_TO_LOCATE, 0.04, 0.00),
    (Disposition.CANCELLED, 0.02, 0.00),
)
DISPOSITION_CODES = tuple(str(d[0]) for d in DISPOSITIONS)
D = {code: i for i, code in enumerate(DISPOSITION_CODES)}
TRANSPORTS = [D[c] for c in DISPOSITION_CODES if c.startswith("transport")] + [
    D["involuntary_hold"]
]

REFERRAL_STATUSES = ("attended", "accepted", "no_show", "declined", "unable_to_reach", "sent")
REFERRAL_STATUS_P = (0.40, 0.15, 0.13, 0.10, 0.12, 0.10)
# fmt: off
CATEGORIES = (
    "crisis_stabilization", "detox", "outpatient_mh", "peer_support", "housing",
    "veterans", "youth", "sud_treatment",
)
CATEGORY_P_GENERAL = (0.15, 0.00, 0.45, 0.20, 0.12, 0.05, 0.00, 0.03)
CATEGORY_P_SUBSTANCE = (0.05, 0.35, 0.10, 0.25, 0.00, 0.00, 0.00, 0.25)
# fmt: on
FOLLOWUP_STATUSES = ("done", "closed", "open")
FOLLOWUP_STATUS_P = (0.72, 0.20, 0.08)  # "open" here means never worked: overdue


@dataclass
class Responses:
    """One assignment and one encounter per answered call."""

    n: int
    call: np.ndarray
    team: np.ndarray
    mode: np.ndarray  # index into MODE_OF_MODEL
    assigned: np.ndarray
    en_route: np.ndarray
    on_scene: np.ndarray
    on_scene_null: np.ndarray
    cleared: np.ndarray
    officer_returned: np.ndarray
    officer_returned_null: np.ndarray
    disposition: np.ndarray
    located: np.ndarray
    assessed: np.ndarray
    modality: np.ndarray
    emergency: np.ndarray
    weapons: np.ndarray
    force: np.ndarray
    injuries: np.ndarray
    risk: np.ndarray  # index into RISK_LEVELS or -1


@dataclass
class Referrals:
    n: int
    encounter: np.ndarray
    service: np.ndarray
    status: np.ndarray
    sent: np.ndarray
    changed: np.ndarray
    reason: np.ndarray
    followup_status: np.ndarray
    followup_due: np.ndarray
    followup_completed: np.ndarray
    followup_open: np.ndarray


def _lognormal(rng, median_seconds: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    return (np.asarray(median_seconds) * np.exp(rng.normal(0, sigma, n))).astype(np.int64)


def _choose_teams(rng, region: Region, calls: Calls) -> None:
    """A team on duty and covering the jurisdiction, for the calls the program answers."""
    slot = calls.weekday * 24 + calls.hour
    count = region.slot_count[calls.jurisdiction, slot]
    p = np.where(calls.behavioral_health, DISPATCH_P[True], DISPATCH_P[False])
    answered = (count > 0) & (rng.random(calls.n) < p)
    cumulative = region.slot_preference[calls.jurisdiction, slot]  # [call, k]
    aim = rng.random(calls.n) * cumulative[:, -1]
    pick = np.minimum((cumulative <= aim[:, None]).sum(axis=1), np.maximum(count - 1, 0))
    calls.team = np.where(answered, region.slot_team[calls.jurisdiction, slot, pick], -1)
    self_initiated = SOURCES.index("self_initiated")
    calls.source[(calls.team < 0) & (calls.source == self_initiated)] = 0  # it needs a team


def _recode_nexus(rng, region: Region, calls: Calls) -> None:
    """Non-BH calls where the team found a BH nexus: flag them and recode to the main BH type."""
    types = region.call_types
    main_bh = np.array(
        [
            opts[types.bh[opts]][np.argmax(types.weight[opts[types.bh[opts]]])]
            if types.bh[opts].any()
            else -1
            for opts in types.by_jurisdiction
        ],
        dtype=np.int64,
    )
    target = main_bh[calls.jurisdiction]
    nexus = (
        (calls.team >= 0)
        & ~calls.behavioral_health
        & (target >= 0)
        & (rng.random(calls.n) < NEXUS_P)
    )
    calls.final_call_type[nexus] = target[nexus]
    calls.behavioral_health[nexus] = True


def _times(rng, model: np.ndarray, disposition: np.ndarray, received: np.ndarray):
    n = len(received)
    assigned = received + 30 + _lognormal(rng, 180, 0.7, n)
    en_route = assigned + 15 + _lognormal(rng, 60, 0.6, n)
    # An on-call clinician drives in from home; a tablet clinician only has to connect.
    travel = np.select(
        [model == MODELS.index("on_call"), model == MODELS.index("telehealth")], [1500, 120], 600
    )
    on_scene = en_route + 30 + _lognormal(rng, travel, 0.5, n)
    transported = np.isin(disposition, TRANSPORTS)
    duration = np.select([transported, disposition == D["unable_to_locate"]], [5700, 600], 3000)
    cleared = on_scene + 600 + _lognormal(rng, duration, 0.5, n)
    cancelled = disposition == D["cancelled"]
    cleared = np.where(cancelled, en_route + 60 + _lognormal(rng, 300, 0.5, n), cleared)
    return assigned, en_route, on_scene, cancelled, cleared


def sample_responses(rng, region: Region, calls: Calls) -> Responses:
    _choose_teams(rng, region, calls)
    _recode_nexus(rng, region, calls)
    call = np.flatnonzero(calls.team >= 0)
    n = len(call)
    team = calls.team[call]
    model_index = np.array(  # a program model added later is treated as a ride-along
        [MODELS.index(m) if m in MODELS else 0 for m in region.team_model], dtype=np.int64
    )
    model = model_index[team] if n else np.zeros(0, np.int64)
    shares = np.array([d[1] for d in DISPOSITIONS])
    disposition = rng.choice(len(DISPOSITIONS), size=n, p=shares / shares.sum())
    no_police = model == MODELS.index("clinician_only")  # clinicians do not arrest or cite
    disposition[no_police & np.isin(disposition, [D["arrest"], D["citation"]])] = D["referral_only"]
    located = ~np.isin(disposition, [D["unable_to_locate"], D["cancelled"]])
    assigned, en_route, on_scene, cancelled, cleared = _times(
        rng, model, disposition, calls.received[call]
    )

    bh = calls.behavioral_health[call]
    eligible = located & bh
    p_bh = min(0.95, ASSESSED_BH_TARGET * calls.behavioral_health.sum() / max(eligible.sum(), 1))
    u = rng.random(n)
    assessed = (eligible & (u < p_bh)) | (located & ~bh & (u < ASSESSED_OTHER_P))

    officer_model = np.isin(model, [MODELS.index("ride_along"), MODELS.index("on_call")])
    stays = (
        officer_model
        & located
        & ~np.isin(disposition, [D["arrest"], D["involuntary_hold"]])
        & (rng.random(n) < OFFICER_RETURNS_P)
    )
    officer_returned = on_scene + 60 + (rng.random(n) * (cleared - on_scene - 120)).astype(np.int64)
    modality = np.where(model == MODELS.index("telehealth"), 2, 0)
    modality = np.where((model == MODELS.index("on_call")) & (rng.random(n) < 0.2), 1, modality)
    urgent = region.call_types.urgent[calls.call_type[call]]
    emergency = np.isin(disposition, [D["transport_ed"], D["involuntary_hold"]]) | (
        urgent & located & (rng.random(n) < 0.1)
    )
    force_p = np.select(
        [disposition == D["arrest"], disposition == D["involuntary_hold"]], [0.2, 0.08], 0.003
    )
    force = located & (rng.random(n) < force_p)
    high = disposition == D["involuntary_hold"]
    risk_u = rng.random(n)
    risk = np.where(
        high, np.where(risk_u < 0.7, 2, 1), np.select([risk_u < 0.5, risk_u < 0.88], [0, 1], 2)
    )
    return Responses(
        n=n,
        call=call,
        team=team,
        mode=model,
        assigned=assigned,
        en_route=en_route,
        on_scene=on_scene,
        on_scene_null=cancelled,
        cleared=cleared,
        officer_returned=officer_returned,
        officer_returned_null=~stays,
        disposition=disposition,
        located=located,
        assessed=assessed,
        modality=modality,
        emergency=emergency,
        weapons=located & (rng.random(n) < 0.03),
        force=force,
        injuries=(force & (rng.random(n) < 0.3)) | (located & (rng.random(n) < 0.002)),
        risk=np.where(assessed, risk, -1),
    )


def _services_for(rng, region: Region, category: np.ndarray) -> np.ndarray:
    """A service of the wanted category; any service when the region has none of it."""
    service = np.zeros(len(category), dtype=np.int64)
    categories = np.array(region.service_category, dtype=object)
    for c, name in enumerate(CATEGORIES):
        rows = np.flatnonzero(category == c)
        pool = np.flatnonzero(categories == name)
        if len(pool) == 0:
            pool = np.arange(len(categories))
        service[rows] = pool[rng.integers(0, len(pool), len(rows))]
    return service


def sample_referrals(
    rng, region: Region, calls: Calls, people: People, resp: Responses, *, end: int
) -> Referrals:
    """Referrals with closed-loop statuses, each with a follow-up due 72 hours later."""
    subject = calls.subject[resp.call]
    p_ref = np.array([d[2] for d in DISPOSITIONS])[resp.disposition]
    encounter = np.flatnonzero(resp.located & (subject >= 0) & (rng.random(resp.n) < p_ref))
    n = len(encounter)
    person = subject[encounter]
    call_type = calls.call_type[resp.call[encounter]]
    family = np.array(region.call_types.family, dtype=object)[call_type]
    substance = family == "substance"
    category = np.where(
        substance,
        rng.choice(len(CATEGORIES), size=n, p=CATEGORY_P_SUBSTANCE),
        rng.choice(len(CATEGORIES), size=n, p=CATEGORY_P_GENERAL),
    )
    age_days = resp.cleared[encounter] // DAY - people.birth_day[person]
    category = np.where(age_days < 18 * 365.25, CATEGORIES.index("youth"), category)
    service = _services_for(rng, region, category)

    sent = resp.cleared[encounter] + 60 + rng.integers(0, 1800, n)
    status = rng.choice(len(REFERRAL_STATUSES), size=n, p=REFERRAL_STATUS_P)
    changed = sent + HOUR + _lognormal(rng, 5 * DAY, 0.6, n)
    pending = (changed > end) | (status == REFERRAL_STATUSES.index("sent"))
    status = np.where(pending, REFERRAL_STATUSES.index("sent"), status)
    changed = np.where(pending, sent, changed)

    due = sent + 72 * HOUR
    fu_status = rng.choice(len(FOLLOWUP_STATUSES), size=n, p=FOLLOWUP_STATUS_P)
    completed = np.maximum(due + rng.normal(0, 18 * HOUR, n).astype(np.int64), sent + HOUR)
    fu_status = np.where(completed > end, FOLLOWUP_STATUSES.index("open"), fu_status)
    fu_open = fu_status == FOLLOWUP_STATUSES.index("open")
    return Referrals(
        n=n,
        encounter=encounter,
        service=service,
        status=status,
        sent=sent,
        changed=changed,
        reason=rng.integers(0, len(REFERRAL_REASONS), n),
        followup_status=fu_status,
        followup_due=due,
        followup_completed=completed,
        followup_open=fu_open,
    )

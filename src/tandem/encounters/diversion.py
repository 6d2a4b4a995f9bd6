"""Diversion flags: which encounters kept someone out of jail or out of the hospital.

Pure rules over a few facts of an encounter; `RULES` states them in words, with the
measures they serve (rendered into docs/metrics.md by `tandem metrics-doc`), and
`tests/encounters/test_diversion.py` holds one case per clause. `services` applies them
at every save, and the demo history generator applies the same rules to numpy arrays
(`demo.history_outcomes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tandem.encounters import instruments

# The encounter rules in words: docs/metrics.md renders this text (metrics.docs), so a
# rule changes here, in the code below and in its tests together.
RULES = """\
## Encounter rules

The rules below are applied to every encounter as it is saved; metrics count their
results. Screening sources:

- Columbia Lighthouse Project, C-SSRS screener and "Clinical Triage and Workflow
  Guidelines"; Bengelsdorf et al., Crisis Triage Rating Scale, *J Nerv Ment Dis* 1984
  (<http://www.quicdoc.com/QDProHelp/crisis_triage_rating_scale_ctrs.htm>).

Neither CSG nor BJA defines "diversion" precisely enough to compute it. The rules below
are Tandem's, written to be defensible and repeatable; a program that needs a different
rule should change it here, in `encounters/diversion.py` and in its tests together.

## Which encounters count

Only submitted encounters (`status = submitted`). Drafts are work in progress on a
tablet and are not counted, though their flags are kept current at every save.

## Disposition

`Encounter.disposition` is one of the standard list (`encounters.models.Disposition`):
resolved on scene, voluntary transport to a crisis center / the emergency department /
detox or sobering / a walk-in clinic, involuntary hold, arrest with charges, citation,
referral only, declined services, unable to locate, cancelled.

A program may keep its own codes. The program file lists them under `dispositions`,
each with `standard:` naming the standard value it counts as (`tandem load-program`
refuses a code that maps to no standard value, with the file and line). An encounter
keeps the local code in `local_disposition`; every save sets `disposition` to that
code's standard value, so every report counts standard values only. The codes that
apply to an encounter are those of its owning agency, the call's agency, the team's
agencies and the regional administrator (shared across the region).

## Diverted from jail (`diverted_from_jail`)

An encounter is diverted from jail when **all** of these hold:

1. **An arrest was a lawful option**, shown by either
   - the officer marking "an arrest was a lawful option (an arrestable offence)"
     (`arrestable_offence`, a `cji` field), or
   - the call's APCO ANS 2.103.1 incident type (`Call.apco_code`) describing an
     offence: `OFFENCE_APCO` in `encounters/diversion.py` (assault, burglary,
     disorderly conduct, drugs, DUI, domestic, fraud, harassment, larceny, order
     violation, robbery, shoplifting, threats, trespass, vandalism, warrant, weapon
     and the like);
2. **the person was met**: the disposition is not blank, "unable to locate" or
   "cancelled";
3. **they were neither arrested nor cited**: the disposition is not "arrest with
   charges" or "citation".

Every other disposition counts, an involuntary hold and "declined services" included:
the person was not booked, whatever happened instead. A citation is not diversion,
because it brings the person into the justice system.

Reasoning: counting every non-arrest would credit the program with "diverting" people
who were never at risk of arrest (a welfare check). Requiring a lawful arrest option
keeps the denominator to encounters where jail was possible. The call type catches
offences the officer did not mark, and clinician-only teams, who cannot mark one.

## Diverted from hospital (`diverted_from_hospital`)

An encounter is diverted from hospital when **both** hold:

1. **A hospital was indicated**, shown by either
   - a responder marking "without this response the person would have gone to an
     emergency department" (`ed_otherwise`), or
   - a complete screening on the encounter whose result calls for a hospital
     evaluation: C-SSRS **moderate** or **high** risk, or a CTRS total of **9 or less**
     ("suggests hospitalisation");
2. **the person received care in the community instead**: the disposition is
   resolved on scene, referral only, or voluntary transport to a crisis center,
   detox/sobering or a walk-in clinic.

So a transport to the emergency department or an involuntary hold is not diversion,
and neither are arrest, citation, "declined services" (no alternative was provided),
"unable to locate" and "cancelled".

Reasoning: C-SSRS moderate risk calls for a behavioral-health consult and high risk
for safety precautions until a mental-health professional evaluates the person
(Columbia's triage guidelines); without a co-responder that evaluation usually happens
in an emergency department. The CTRS cut-off of 9 is the published one for admission.
An encounter can be diverted from both jail and hospital.

## Needs emergency care (`needs_emergency_care`)

Set from the encounter's screenings at every save: true when any complete screening
calls for emergency care (C-SSRS high risk; CTRS total 9 or less). It is the one
screening fact officers see, with "screening done"; the instrument, answers, result
and total are `clinical`. An encounter without screenings keeps the value it was given.

## Time on scene

`minutes_on_scene` when a responder entered it; otherwise `ended_at - started_at` in
whole minutes (`Encounter.time_on_scene`). Blank when neither is known.

## Screening instruments

`encounters/instruments.py` implements each instrument's published logic; the form and
the API validate against it, so a record either follows the instrument or is refused.

- **C-SSRS screener** (6 items): items 1, 2 and 6 are always asked; items 3-5 only after
  "yes" to item 2 (answers to them after "no" are refused, naming the item); after "yes"
  to item 6, whether it was within the past 3 months. Risk is the highest rule that
  fires, never a sum: **high** on "yes" to item 4 or 5, or behavior in the past 3
  months; **moderate** on "yes" to item 3, or behavior longer ago; **low** otherwise.
- **Crisis Triage Rating Scale**: dangerousness, support system and ability to
  cooperate, each a whole number from 1 (most severe) to 5; total 3-15; **9 or less
  suggests hospitalisation**.

## Where the numbers are computed

- `diverted_from_jail`, `diverted_from_hospital`: computed by `encounters.diversion`,
  applied by `encounters.services._derive` at every save, and by
  `diversion.flag_arrays` in the demo history generator; tested in
  `tests/encounters/test_diversion.py` and `tests/encounters/test_services.py`.
- `needs_emergency_care`: `encounters.instruments` (`cssrs_score`, `ctrs_score`) and
  `encounters.services`; tested in `tests/encounters/test_instruments.py` and
  `tests/encounters/test_services.py`.
- `disposition` from a local code: `encounters.services._derive` and
  `agencies.program`; tested in `tests/encounters/test_services.py` and
  `tests/encounters/test_dispositions.py`.
- The metrics built on these flags: `metrics.catalogue` (listed above), tested in
  `tests/metrics/`.

## The tablet's local copy

The field form keeps unsent changes in the browser's `localStorage` so that nothing is
lost when the connection drops. That copy can hold screening answers, so it is kept
no longer than needed: it is removed as soon as the server acknowledges the save (within
a few seconds when online), removed after the final submission, and discarded unread
after 12 hours. It is keyed by user, so another user signing in on the same tablet
does not see it restored, but it is not encrypted: tablets must use device encryption
and a screen lock.
"""

# APCO ANS 2.103.1 incident types that describe an offence: on such a call an arrest
# was a lawful option even if the officer did not mark one.
OFFENCE_APCO = frozenset(
    {
        "ASSAULT", "BURGLARY", "CARJACK", "CIVDIS", "CNTRFT", "CRIMTRAF", "DISORD",
        "DRUGPAR", "DRUGS", "DUI", "DVA", "DVNA", "ESCAPE", "EXTORT", "FARSON", "FIGHT",
        "FORCENTR", "FRAUD", "HARR", "HOMICIDE", "INDECENT", "LARCENY", "LIQUOR",
        "ORDERV", "PROPSTLN", "RESIST", "ROBBERY", "SEXOFFNS", "SHOOT", "SHOPLIFT",
        "STABBING", "THREATS", "TRESPASS", "VANDAL", "VEHSTLN", "VICE", "WARRANT", "WEAPON",
    }
)  # fmt: skip

# The person was never met: nothing was diverted.
NOT_MET = frozenset({"", "unable_to_locate", "cancelled"})
JUSTICE = frozenset({"arrest", "citation"})
HOSPITAL = frozenset({"transport_ed", "involuntary_hold"})
# Dispositions that are an alternative to the emergency department: care in the community.
COMMUNITY_CARE = frozenset(
    {
        "resolved_on_scene",
        "referral_only",
        "transport_crisis_center",
        "transport_detox",
        "transport_clinic",
    }
)
# Screening results that call for a hospital evaluation absent an alternative.
HOSPITAL_LEVEL = frozenset({instruments.MODERATE, instruments.HIGH, instruments.HOSPITALISATION})


@dataclass(frozen=True)
class Facts:
    disposition: str
    apco_code: str = ""
    arrestable_offence: bool = False  # the officer marked that an arrest was lawful
    ed_otherwise: bool = False  # a responder marked that the person would have gone to the ED
    screening_results: frozenset[str] = frozenset()


def arrest_was_an_option(facts: Facts) -> bool:
    return facts.arrestable_offence or facts.apco_code.upper() in OFFENCE_APCO


def hospital_was_indicated(facts: Facts) -> bool:
    return facts.ed_otherwise or bool(facts.screening_results & HOSPITAL_LEVEL)


def diverted_from_jail(facts: Facts) -> bool:
    """Arrest was an option, the person was met, and they were neither arrested nor cited."""
    return (
        arrest_was_an_option(facts)
        and facts.disposition not in NOT_MET
        and facts.disposition not in JUSTICE
    )


def diverted_from_hospital(facts: Facts) -> bool:
    """Hospital was indicated and the person got community care instead of ED or a hold."""
    return hospital_was_indicated(facts) and facts.disposition in COMMUNITY_CARE


def flag_arrays(
    *,
    disposition_codes: Sequence[str],
    disposition: np.ndarray,
    offence_call: np.ndarray,
    arrestable_offence: np.ndarray,
    hospital_indicated: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The same rules over arrays, for bulk generation: (diverted_from_jail, _hospital).

    `disposition` indexes `disposition_codes` (-1: none); the other arrays are booleans
    per encounter (`offence_call`: the call's APCO type is in OFFENCE_APCO;
    `hospital_indicated`: `ed_otherwise` or a moderate/high/hospitalisation screening).
    """
    codes = [*disposition_codes, ""]  # index -1 reads the last entry: no disposition
    not_diverted = np.array([c in NOT_MET | JUSTICE for c in codes])[disposition]
    community = np.array([c in COMMUNITY_CARE for c in codes])[disposition]
    jail = (arrestable_offence | offence_call) & ~not_diverted
    return jail, hospital_indicated & community

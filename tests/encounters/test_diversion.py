"""The diversion rules of docs/metrics.md, one case per clause."""

import numpy as np
import pytest

from tandem.encounters.diversion import (
    Facts,
    diverted_from_hospital,
    diverted_from_jail,
    flag_arrays,
)
from tandem.encounters.models import Disposition

D = Disposition


@pytest.mark.parametrize(
    ("facts", "diverted"),
    [
        (Facts(D.RESOLVED_ON_SCENE, arrestable_offence=True), True),
        (Facts(D.RESOLVED_ON_SCENE, apco_code="TRESPASS"), True),
        (Facts(D.REFERRAL_ONLY, apco_code="larceny"), True),
        (Facts(D.TRANSPORT_CRISIS_CENTER, apco_code="DISORD"), True),
        (Facts(D.INVOLUNTARY_HOLD, arrestable_offence=True), True),
        (Facts(D.DECLINED, arrestable_offence=True), True),
        (Facts(D.ARREST, arrestable_offence=True), False),
        (Facts(D.CITATION, apco_code="SHOPLIFT"), False),
        (Facts(D.UNABLE_TO_LOCATE, arrestable_offence=True), False),
        (Facts(D.CANCELLED, apco_code="ASSAULT"), False),
        (Facts("", arrestable_offence=True), False),
        (Facts(D.RESOLVED_ON_SCENE, apco_code="EDP"), False),
        (Facts(D.RESOLVED_ON_SCENE), False),
    ],
)
def test_jail_diversion_needs_a_lawful_arrest_option_and_no_arrest_or_citation(facts, diverted):
    assert diverted_from_jail(facts) is diverted


@pytest.mark.parametrize(
    ("facts", "diverted"),
    [
        (Facts(D.RESOLVED_ON_SCENE, ed_otherwise=True), True),
        (Facts(D.TRANSPORT_CRISIS_CENTER, screening_results=frozenset({"high"})), True),
        (Facts(D.REFERRAL_ONLY, screening_results=frozenset({"moderate"})), True),
        (Facts(D.TRANSPORT_DETOX, screening_results=frozenset({"hospitalisation"})), True),
        (Facts(D.TRANSPORT_CLINIC, screening_results=frozenset({"low", "high"})), True),
        (Facts(D.RESOLVED_ON_SCENE, screening_results=frozenset({"low"})), False),
        (Facts(D.RESOLVED_ON_SCENE, screening_results=frozenset({"community"})), False),
        (Facts(D.TRANSPORT_ED, ed_otherwise=True), False),
        (Facts(D.INVOLUNTARY_HOLD, screening_results=frozenset({"high"})), False),
        (Facts(D.ARREST, ed_otherwise=True), False),
        (Facts(D.DECLINED, ed_otherwise=True), False),
        (Facts(D.UNABLE_TO_LOCATE, ed_otherwise=True), False),
        (Facts(D.RESOLVED_ON_SCENE), False),
    ],
)
def test_hospital_diversion_needs_an_indication_and_community_care_instead(facts, diverted):
    assert diverted_from_hospital(facts) is diverted


def test_one_encounter_can_divert_from_both():
    facts = Facts(D.TRANSPORT_CRISIS_CENTER, apco_code="TRESPASS", ed_otherwise=True)
    assert diverted_from_jail(facts) and diverted_from_hospital(facts)


def test_the_bulk_generators_array_rules_agree_with_the_rules_row_by_row():
    codes = [*Disposition.values, ""]
    cases = [
        (d, offence, marked, hospital)
        for d in range(-1, len(Disposition.values))
        for offence in (False, True)
        for marked in (False, True)
        for hospital in (False, True)
    ]
    d, offence, marked, hospital = (np.array(column) for column in zip(*cases, strict=True))
    jail, hosp = flag_arrays(
        disposition_codes=Disposition.values,
        disposition=d,
        offence_call=offence,
        arrestable_offence=marked,
        hospital_indicated=hospital,
    )
    for i, (di, off, mark, ed) in enumerate(cases):
        facts = Facts(
            codes[di],
            apco_code="ASSAULT" if off else "EDP",
            arrestable_offence=mark,
            ed_otherwise=ed,
        )
        assert (jail[i], hosp[i]) == (diverted_from_jail(facts), diverted_from_hospital(facts))

"""The identity-resolution engine on hand-made hard cases, decisions and synthetic data.

The hard cases sit among a few thousand synthetic people so the model trains as it would
on an agency's registry. No database: the engine takes and returns DataFrames.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tandem.people.linkage import LinkageBackendError, link, prepare

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import synthetic_people  # noqa: E402

HARD_CASES = [
    # identical twins: one surname, address, phone and birthday, two given names
    (
        "pd:twin-1",
        "Jasper",
        "Quillfeather",
        "2001-04-17",
        "M",
        "18 Larkspur Ct, Salem 10871",
        "(555) 201-7788",
    ),  # noqa: E501
    (
        "clinic:twin-2",
        "Oliver",
        "Quillfeather",
        "2001-04-17",
        "M",
        "18 Larkspur Court, Salem 10871",
        "555-201-7788",
    ),  # noqa: E501
    # a married name: same person, new surname
    (
        "pd:wed-1",
        "Annelise",
        "Harrowgate",
        "1979-09-02",
        "F",
        "4410 Birchwood Dr, Union 12420",
        "5553301298",
    ),  # noqa: E501
    (
        "ems:wed-2",
        "Annelise",
        "Vantongeren",
        "1979-09-02",
        "F",
        "4410 Birchwood Drive, Union 12420",
        None,
    ),  # noqa: E501
    # a nickname and a typo together
    ("jail:bob-1", "Robert", "Smith", "1968-11-23", "M", "77 Crane Ave, Milton 11745", None),
    ("clinic:bob-2", "Bob", "Smiht", "1968-11-23", "M", None, None),
    # one person under an alias, nothing in common the model can see
    ("pd:alias-1", "Dee", "Okonkwo", None, "F", "12 Harbor Way, Troy 12330", None),
    ("hospital:alias-2", "Adaeze", "Okafor", "1990-05-05", "F", "980 Ridge Rd, Dover 11262", None),
    # one person in three agencies
    (
        "pd:tri-1",
        "Marguerite",
        "Delacroix",
        "1955-02-14",
        "F",
        "3 Orchard Pl, Vernon 12523",
        "5557120044",
    ),  # noqa: E501
    (
        "clinic:tri-2",
        "Marguerite",
        "Delacroix",
        "1955-02-14",
        "F",
        "3 Orchard Place, Vernon 12523",
        None,
    ),  # noqa: E501
    ("ems:tri-3", "Margaret", "Delacroix", "1955-02-14", "F", None, "(555) 712-0044"),
]
COLUMNS = ["unique_id", "given_name", "family_name", "date_of_birth", "sex", "address", "phone"]


def _records() -> pd.DataFrame:
    population = synthetic_people.generate(2_500, seed=7).drop(columns="person_id")
    hard = pd.DataFrame(HARD_CASES, columns=COLUMNS)
    hard["source_agency"] = hard["unique_id"].str.split(":").str[0]
    return pd.concat([population, hard], ignore_index=True)


@pytest.fixture(scope="module")
def records():
    return _records()


@pytest.fixture(scope="module")
def first_run(records):
    return link(records)


def _status(result, a, b):
    left, right = min(a, b), max(a, b)
    rows = result.pairs[
        (result.pairs["unique_id_l"] == left) & (result.pairs["unique_id_r"] == right)
    ]
    return rows["status"].iloc[0] if len(rows) else None


def test_twins_sharing_surname_address_and_birthday_are_not_linked(first_run):
    assert _status(first_run, "pd:twin-1", "clinic:twin-2") in (None, "review")
    assert first_run.clusters["pd:twin-1"] != first_run.clusters["clinic:twin-2"]


def test_a_married_name_change_is_linked_or_queued_for_review(first_run):
    assert _status(first_run, "pd:wed-1", "ems:wed-2") in ("auto", "review")


def test_a_nickname_with_a_typo_in_the_surname_is_linked(first_run):
    assert _status(first_run, "jail:bob-1", "clinic:bob-2") == "auto"
    assert first_run.clusters["jail:bob-1"] == first_run.clusters["clinic:bob-2"]


def test_one_person_in_three_agencies_forms_one_cluster(first_run):
    clusters = {first_run.clusters[uid] for uid in ("pd:tri-1", "clinic:tri-2", "ems:tri-3")}
    assert len(clusters) == 1


def test_linking_leaves_the_records_untouched(records):
    before = records.copy()
    link(records.head(50))
    pd.testing.assert_frame_equal(records, before)


@pytest.fixture(scope="module")
def second_run(records, first_run):
    decisions = {
        ("clinic:bob-2", "jail:bob-1"): False,  # either order is accepted
        ("pd:alias-1", "hospital:alias-2"): True,
        ("pd:tri-1", "ems:tri-3"): False,
    }
    return link(records, decisions=decisions, model=first_run.model)


def test_a_rejected_pair_stays_unlinked_on_the_next_run(second_run):
    assert _status(second_run, "jail:bob-1", "clinic:bob-2") == "rejected"
    assert second_run.clusters["jail:bob-1"] != second_run.clusters["clinic:bob-2"]


def test_a_confirmed_pair_the_model_scores_low_is_linked(first_run, second_run):
    assert _status(first_run, "pd:alias-1", "hospital:alias-2") is None
    assert _status(second_run, "pd:alias-1", "hospital:alias-2") == "confirmed"
    assert second_run.clusters["pd:alias-1"] == second_run.clusters["hospital:alias-2"]


def test_a_cluster_never_joins_two_records_a_reviewer_rejected(second_run):
    clusters = second_run.clusters
    assert clusters["pd:tri-1"] != clusters["ems:tri-3"]
    # the weakest link on the path went to review; the stronger one still holds
    tri = second_run.pairs[
        second_run.pairs["unique_id_l"].str.contains("tri-")
        & second_run.pairs["unique_id_r"].str.contains("tri-")
    ]
    assert "would join records a reviewer rejected" in set(tri["conflict"].dropna())
    assert clusters["clinic:tri-2"] in (clusters["pd:tri-1"], clusters["ems:tri-3"])


def test_the_review_queue_holds_only_uncertain_pairs(first_run):
    queue = first_run.review_queue()
    assert set(queue["status"]) <= {"review"}
    assert queue["match_probability"].is_monotonic_decreasing


def test_a_pair_decided_both_ways_is_refused(records):
    a, b = records["unique_id"].iloc[:2]
    with pytest.raises(ValueError, match="both confirmed and rejected"):
        link(records.head(20), decisions={(a, b): True, (b, a): False})


def test_ocr_damaged_records_are_deduplicated_with_high_precision_and_recall():
    corruptions = dict(synthetic_people.DEFAULT_CORRUPTIONS)
    corruptions.update({"ocr_given": 0.15, "ocr_family": 0.15, "ocr_address": 0.15})
    people = synthetic_people.generate(3_000, seed=11, corruptions=corruptions)
    result = link(people.drop(columns="person_id"))
    scores = synthetic_people.score_clusters(result.clusters, people)
    assert scores["precision"] >= 0.95
    assert scores["recall"] >= 0.95


def test_a_handful_of_records_is_scored_with_the_prior_model():
    hard = pd.DataFrame(HARD_CASES, columns=COLUMNS)
    result = link(hard)
    assert result.clusters["jail:bob-1"] == result.clusters["clinic:bob-2"]
    assert result.clusters["pd:twin-1"] != result.clusters["clinic:twin-2"]


def test_prepare_reads_nicknames_swapped_dates_and_lookalike_digits():
    prepared = prepare(
        pd.DataFrame(
            {
                "unique_id": ["a", "b"],
                "given_name": ["Bob", "Mr. J0hn"],
                "family_name": ["O'Brien-Smith", "Smith"],
                "date_of_birth": ["1985-25-03", "1980-01-02"],
            }
        )
    )
    assert prepared["given_first"].tolist() == ["bob", "john"]
    assert prepared["given_canon"].tolist()[0] == "robert"
    assert prepared["family_norm"].tolist()[0] == "obrien smith"
    assert prepared["dob"].tolist() == ["1985-03-25", "1980-01-02"]
    assert prepared["dob_swapped"].tolist()[1] == "1980-02-01"


@pytest.mark.skipif(importlib.util.find_spec("pyspark") is not None, reason="pyspark present")
def test_the_spark_backend_without_pyspark_says_what_is_missing(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    with pytest.raises(LinkageBackendError, match="pyspark"):
        link(pd.DataFrame(HARD_CASES, columns=COLUMNS), backend="spark")


def test_one_link_per_source_keeps_the_strongest_and_queues_the_rest():
    from tandem.people.linkage_review import limit_to_one_link_per_source

    # Records 0 and 1 are in file "a", 2 and 3 in file "b"; 0 matches both 2 and 3.
    pairs = pd.DataFrame(
        {
            "idx_l": [0, 0, 1, 2],
            "idx_r": [2, 3, 3, 3],
            "match_probability": [0.99, 0.97, 0.6, 0.98],
            "status": ["auto", "auto", "review", "auto"],
            "conflict": [None, None, None, None],
        }
    )
    kept = limit_to_one_link_per_source(pairs, np.array(["a", "a", "b", "b"]))

    assert kept["status"].tolist() == ["auto", "review", "review", "auto"]
    assert "stronger link" in kept.loc[1, "conflict"]


def test_a_confirmed_link_claims_its_records_before_a_stronger_automatic_one():
    from tandem.people.linkage_review import limit_to_one_link_per_source

    pairs = pd.DataFrame(
        {
            "idx_l": [0, 0],
            "idx_r": [1, 2],
            "match_probability": [0.99, float("nan")],
            "status": ["auto", "confirmed"],
            "conflict": [None, None],
        }
    )
    kept = limit_to_one_link_per_source(pairs, np.array(["a", "b", "b"]))

    assert kept["status"].tolist() == ["review", "confirmed"]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="needs pyspark")
def test_the_spark_backend_links_the_hard_cases_as_duckdb_does():
    hard = pd.DataFrame(HARD_CASES, columns=COLUMNS)
    pairs = lambda result: set(  # noqa: E731
        map(tuple, result.links()[["unique_id_l", "unique_id_r"]].to_numpy().tolist())
    )
    assert pairs(link(hard, backend="spark")) == pairs(link(hard))

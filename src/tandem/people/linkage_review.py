"""From scored pairs to statuses and clusters: the part of `people.linkage` after splink.

Three rules sit on top of the probabilities:

* A reviewer's decision wins: a confirmed pair is linked whatever its score, a rejected
  pair never is.
* A pair that conflicts on what tells people apart is never linked automatically, only
  offered for review. Twins share a surname, an address, a phone and a birthday, and a
  father and his junior share a name and an address; the model, which treats fields as
  independent, scores them as one person. The conflicts: given names that are plainly
  different (not a nickname, typo, initial or the names swapped), close given names with
  a different sex, dates of birth that no typo or day/month swap explains. A shared
  identifier number overrides them.
* Clusters are grown strongest link first (confirmed pairs, then automatic links by
  falling probability) and a link that would put two records a reviewer rejected into
  one cluster is left out and sent for review, so the weakest link on the path between
  them is the one broken, and no cluster ever holds a rejected pair.

Records are handled by index: their rank in `unique_id` order, so the smaller index of a
pair is its `unique_id_l` and a cluster's smallest index names it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

AUTO, REVIEW, CONFIRMED, REJECTED = "auto", "review", "confirmed", "rejected"

# Evaluated by DuckDB over the scored pairs with the columns splink keeps (x_l, x_r).
_SIMILAR_GIVEN = """(
    given_first_l IS NULL OR given_first_r IS NULL
    OR length(given_first_l) = 1 OR length(given_first_r) = 1
    OR instr(given_aliases_l, '|' || given_first_r || '|') > 0
    OR instr(given_aliases_r, '|' || given_first_l || '|') > 0
    OR instr(given_aliases_ocr_l, '|' || given_ocr_r || '|') > 0
    OR instr(given_aliases_ocr_r, '|' || given_ocr_l || '|') > 0
    OR levenshtein(given_first_l, given_first_r) <= 1
    OR levenshtein(given_ocr_l, given_ocr_r) <= 1
    OR jaro_winkler_similarity(given_first_l, given_first_r) >= 0.9
    OR starts_with(given_first_l, given_first_r) OR starts_with(given_first_r, given_first_l)
    OR jaro_winkler_similarity(given_first_l, family_first_r) >= 0.9
    OR jaro_winkler_similarity(family_first_l, given_first_r) >= 0.9
    -- a nickname with a typo in it: close to one of the other name's nicknames
    OR list_max(list_transform(string_split(trim(given_aliases_l, '|'), '|'),
                lambda a: jaro_winkler_similarity(a, given_first_r))) >= 0.9
    OR list_max(list_transform(string_split(trim(given_aliases_r, '|'), '|'),
                lambda a: jaro_winkler_similarity(a, given_first_l))) >= 0.9
)"""
_NEAR_GIVEN = """(
    levenshtein(given_first_l, given_first_r) <= 2
    OR levenshtein(given_ocr_l, given_ocr_r) <= 2
    OR jaro_winkler_similarity(given_first_l, given_first_r) >= 0.8
)"""
_DOB_PARTS_AGREE = """(
    (substr(dob_l, 1, 4) = substr(dob_r, 1, 4))::INT
    + (substr(dob_l, 6, 2) = substr(dob_r, 6, 2))::INT
    + (substr(dob_l, 9, 2) = substr(dob_r, 9, 2))::INT >= 2
)"""
_CONFLICT_SQL = f"""
SELECT
    least(il.idx, ir.idx) AS idx_l,
    greatest(il.idx, ir.idx) AS idx_r,
    match_probability,
    match_weight,
    CASE
        WHEN {{same_id}} THEN NULL
        WHEN NOT {_SIMILAR_GIVEN} AND NOT {_NEAR_GIVEN} THEN 'given names differ'
        WHEN NOT {_SIMILAR_GIVEN} AND {{sex_differs}} THEN 'given names and sex differ'
        WHEN dob_l IS NOT NULL AND dob_r IS NOT NULL AND dob_l <> coalesce(dob_swapped_r, '')
             AND NOT {_DOB_PARTS_AGREE} AND levenshtein(dob_l, dob_r) > 2
             THEN 'dates of birth differ'
    END AS conflict
FROM {{scored}} s
JOIN {{ids}} il ON il.unique_id = s.unique_id_l
JOIN {{ids}} ir ON ir.unique_id = s.unique_id_r
"""  # noqa: S608 (built from this module's constants)


def conflicts_sql(columns: Iterable[str], *, scored: str, ids: str) -> str:
    """DuckDB query: scored pairs -> record indices, scores and a conflict reason."""
    present = set(columns)
    same_id = (
        "coalesce(levenshtein(id_number_l, id_number_r) <= 2"
        " OR jaro_winkler_similarity(id_number_l, id_number_r) >= 0.85, false)"
        if "id_number_l" in present
        else "false"
    )
    sex_differs = "coalesce(sex_l <> sex_r, false)" if "sex_l" in present else "false"
    replacements = {"same_id": same_id, "sex_differs": sex_differs, "scored": scored, "ids": ids}
    sql = _CONFLICT_SQL
    for key, value in replacements.items():
        sql = sql.replace("{" + key + "}", value)
    return sql


def assign_statuses(
    scored: pd.DataFrame,
    decided: pd.DataFrame,
    *,
    link_threshold: float,
    review_threshold: float,
    conflicts_block_auto_links: bool = True,
) -> pd.DataFrame:
    """Scored pairs (idx_l < idx_r) and decisions (idx_l, idx_r, linked) -> with `status`.

    Decided pairs the model did not score are added with a NaN probability.
    """
    pairs = scored.merge(decided, on=["idx_l", "idx_r"], how="outer")
    probability = pairs["match_probability"].to_numpy()
    automatic = probability >= link_threshold
    if conflicts_block_auto_links:
        automatic &= pairs["conflict"].isna().to_numpy()
    status = np.where(automatic, AUTO, np.where(probability >= review_threshold, REVIEW, ""))
    linked = pairs["linked"].to_numpy()
    status = np.where(linked == True, CONFIRMED, status)  # noqa: E712 (object array)
    status = np.where(linked == False, REJECTED, status)  # noqa: E712
    pairs["status"] = status
    pairs = pairs[pairs["status"] != ""].drop(columns="linked")
    return pairs.sort_values(["idx_l", "idx_r"], ignore_index=True)


def limit_to_one_link_per_source(pairs: pd.DataFrame, source: np.ndarray) -> pd.DataFrame:
    """Keep at most one link from a record to each other source, strongest first.

    For files that each hold one record per person (FEBRL's two files, an agency's
    deduplicated register): a record's second-best automatic link into the same file is
    a likely error and goes to review instead. Confirmed links claim their records first.
    """
    status = pairs["status"].to_numpy().copy()
    left, right = pairs["idx_l"].to_numpy(), pairs["idx_r"].to_numpy()
    confirmed = status == CONFIRMED
    probability = np.nan_to_num(pairs["match_probability"].to_numpy(), nan=1.0)
    candidates = np.flatnonzero(confirmed | (status == AUTO))
    order = candidates[np.lexsort((-probability[candidates], ~confirmed[candidates]))]
    taken: set[tuple[int, object]] = set()
    demoted = []
    for i in order.tolist():
        ends = ((left[i], source[right[i]]), (right[i], source[left[i]]))
        if not confirmed[i] and (ends[0] in taken or ends[1] in taken):
            demoted.append(i)
            continue
        taken.update(ends)
    pairs = pairs.copy()
    pairs.loc[demoted, "status"] = REVIEW
    pairs.loc[demoted, "conflict"] = "a stronger link joins one of these records to that source"
    return pairs


def cluster(pairs: pd.DataFrame, n_records: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected components over confirmed and automatic links, rejected pairs kept apart.

    Returns each record's cluster (the smallest record index in it) and a mask of the
    links that were left out to keep a rejected pair apart.
    """
    status = pairs["status"].to_numpy()
    left, right = pairs["idx_l"].to_numpy(), pairs["idx_r"].to_numpy()
    linking = (status == AUTO) | (status == CONFIRMED)
    labels = _components(n_records, left[linking], right[linking])
    rejected = status == REJECTED
    contested = np.unique(labels[left[rejected]][labels[left[rejected]] == labels[right[rejected]]])
    left_out = np.zeros(len(pairs), dtype=bool)
    if len(contested):
        in_contest = linking & np.isin(labels[left], contested)
        _regrow(labels, pairs, in_contest | (rejected & np.isin(labels[left], contested)), left_out)
    return labels, left_out


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Label every node with the smallest node of its component (min-label propagation)."""
    labels = np.arange(n)
    while True:
        smallest = np.minimum(labels[left], labels[right])
        updated = labels.copy()
        np.minimum.at(updated, left, smallest)
        np.minimum.at(updated, right, smallest)
        updated = updated[updated]  # jump to the label's label
        if np.array_equal(updated, labels):
            return labels
        labels = updated


def _regrow(labels: np.ndarray, pairs: pd.DataFrame, rows: np.ndarray, left_out: np.ndarray):
    """Rebuild the contested components link by link, strongest first, skipping any link
    that would join a rejected pair."""
    subset = pairs[rows]
    nodes = np.unique(np.concatenate([subset["idx_l"].to_numpy(), subset["idx_r"].to_numpy()]))
    members = np.flatnonzero(np.isin(labels, labels[nodes]))
    parent = {int(i): int(i) for i in members}
    apart: dict[int, set[int]] = {}
    for a, b in subset.loc[subset["status"] == REJECTED, ["idx_l", "idx_r"]].itertuples(
        index=False
    ):
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def blocked(root_a: int, root_b: int) -> bool:
        return any(find(x) == root_b for x in apart.get(root_a, ()))

    strength = subset.assign(rank=np.where(subset["status"] == CONFIRMED, 0, 1))
    strength = strength[strength["status"].isin([AUTO, CONFIRMED])]
    strength = strength.sort_values(
        ["rank", "match_probability", "idx_l", "idx_r"], ascending=[True, False, True, True]
    )
    for row, a, b in zip(strength.index, strength["idx_l"], strength["idx_r"], strict=True):
        ra, rb = find(int(a)), find(int(b))
        if ra == rb:
            continue
        if blocked(ra, rb) or blocked(rb, ra):
            left_out[row] = True
            continue
        low, high = min(ra, rb), max(ra, rb)
        parent[high] = low
        apart.setdefault(low, set()).update(apart.pop(high, set()))
    for node in members:
        labels[node] = find(int(node))

"""Batch identity resolution across agencies' person records, with splink.

A pure engine: DataFrames in, pairs and clusters out, no ORM. The caller reads the
records (one row per agency's person), keeps the reviewers' decisions and stores what
comes back. Linking never merges or edits a record: a cluster is a set of record ids
that are judged to be one person, and the records stay as their agencies wrote them.

    result = link(records, decisions={("pd:12", "clinic:7"): False})
    result.pairs          # unique_id_l, unique_id_r, match_probability, status, conflict
    result.clusters       # unique_id -> cluster id (the smallest unique_id in it)
    result.review_queue() # the uncertain pairs a person should confirm or reject

Statuses: "auto" (probability >= link_threshold and nothing conflicts), "review"
(probability >= review_threshold, or high but conflicting: see `linkage_review`),
"confirmed" and "rejected" (a reviewer's decision, which always wins, also for pairs the
model scores low or never compares). Clusters are connected components over auto and
confirmed links with rejected pairs removed first, and never contain a rejected pair.

`prepare` (in `linkage_prepare`) normalises the records; `linkage_model` holds the
splink model (blocking rules, comparisons with term-frequency adjustments, training).
DuckDB runs it by default; backend="spark" runs the same model on a Spark session for
state-wide volumes.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from splink import DuckDBAPI, Linker

from tandem.people.linkage_model import MIN_RECORDS_TO_TRAIN, build_settings, train
from tandem.people.linkage_prepare import prepare, prepare_arrow
from tandem.people.linkage_review import (
    AUTO,
    CONFIRMED,
    REJECTED,
    REVIEW,
    assign_statuses,
    cluster,
    conflicts_sql,
    limit_to_one_link_per_source,
)

__all__ = [
    "AUTO",
    "CONFIRMED",
    "REJECTED",
    "REVIEW",
    "LinkageBackendError",
    "LinkageResult",
    "build_settings",
    "link",
    "prepare",
]

_OPTIONAL_COMPARISONS = ("sex", "address", "phone", "id_number")
_PAIR_COLUMNS = [
    "unique_id_l",
    "unique_id_r",
    "match_probability",
    "match_weight",
    "status",
    "conflict",
]


class LinkageBackendError(RuntimeError):
    """The backend asked for cannot run here."""


@dataclass(frozen=True)
class LinkageResult:
    """Pairs with a status, clusters of records judged one person, and the model used."""

    pairs: pd.DataFrame
    clusters: dict[str, str]
    model: dict[str, Any] = field(repr=False)

    def links(self) -> pd.DataFrame:
        """Pairs that are linked: automatic and confirmed."""
        return self.pairs[self.pairs["status"].isin([AUTO, CONFIRMED])]

    def review_queue(self) -> pd.DataFrame:
        """Pairs a person should confirm or reject, most probable first."""
        queue = self.pairs[self.pairs["status"] == REVIEW]
        return queue.sort_values("match_probability", ascending=False, ignore_index=True)


def link(
    df: pd.DataFrame,
    *,
    decisions: Mapping[tuple[str, str], bool] | None = None,
    link_threshold: float = 0.95,
    review_threshold: float = 0.5,
    backend: str = "duckdb",
    model: Mapping[str, Any] | None = None,
    spark_session: Any = None,
    conflicts_block_auto_links: bool = True,
    one_link_per_source: bool = False,
) -> LinkageResult:
    """Score, classify and cluster person records; see the module docstring.

    `decisions` maps (unique_id, unique_id) to True (confirmed) or False (rejected), in
    either order; pairs naming records that are not in `df` are ignored. `model` is the
    `model` of an earlier result, to score with the same parameters instead of training.
    `conflicts_block_auto_links=False` still reports conflicts but lets a pair above the
    link threshold link anyway (for data known to hold no twins, such as FEBRL).
    """
    if not 0 < review_threshold <= link_threshold <= 1:
        raise ValueError("thresholds must satisfy 0 < review_threshold <= link_threshold <= 1")
    records = prepare_arrow(df)
    ids = _record_ids(records)
    decided = _decided(decisions or {}, ids)
    scored, trained = _score(records, ids, backend, model, review_threshold, spark_session)
    pairs = assign_statuses(
        scored,
        decided,
        link_threshold=link_threshold,
        review_threshold=review_threshold,
        conflicts_block_auto_links=conflicts_block_auto_links,
    )
    if one_link_per_source:
        source = records["source_agency"].take(pc.sort_indices(records["unique_id"]))
        pairs = limit_to_one_link_per_source(pairs, source.to_numpy(zero_copy_only=False))
    labels, left_out = cluster(pairs, records.num_rows)
    pairs.loc[left_out, "conflict"] = "would join records a reviewer rejected"
    pairs.loc[left_out & (pairs["status"] == AUTO).to_numpy(), "status"] = REVIEW
    by_index = ids["unique_id"].to_numpy(zero_copy_only=False)
    pairs.insert(0, "unique_id_l", by_index[pairs["idx_l"].to_numpy()])
    pairs.insert(1, "unique_id_r", by_index[pairs["idx_r"].to_numpy()])
    clusters = dict(zip(by_index.tolist(), by_index[labels].tolist(), strict=True))
    return LinkageResult(pairs=pairs[_PAIR_COLUMNS], clusters=clusters, model=trained)


def _record_ids(records: pa.Table) -> pa.Table:
    """unique_id -> idx, its rank in unique_id order, sorted by idx."""
    order = pc.sort_indices(records["unique_id"])
    return pa.table(
        {"unique_id": records["unique_id"].take(order), "idx": pa.array(np.arange(len(order)))}
    )


def _decided(decisions: Mapping[tuple[str, str], bool], ids: pa.Table) -> pd.DataFrame:
    """Decisions as (idx_l, idx_r, linked); the same pair decided both ways is an error."""
    index = pd.Index(ids["unique_id"].to_numpy(zero_copy_only=False))
    rows: dict[tuple[int, int], bool] = {}
    for (a, b), linked in decisions.items():
        i, j = index.get_indexer([a, b])
        if i < 0 or j < 0 or i == j:
            continue
        key = (min(i, j), max(i, j))
        if rows.get(key, bool(linked)) != bool(linked):
            raise ValueError(f"pair ({a}, {b}) is both confirmed and rejected")
        rows[key] = bool(linked)
    frame = pd.DataFrame(
        [(i, j, linked) for (i, j), linked in rows.items()], columns=["idx_l", "idx_r", "linked"]
    )
    return frame.astype({"idx_l": "int64", "idx_r": "int64", "linked": "object"})


def _score(
    records: pa.Table,
    ids: pa.Table,
    backend: str,
    model: Mapping[str, Any] | None,
    review_threshold: float,
    spark_session: Any,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Scored pairs above the review threshold, with a conflict reason, and the model."""
    present = [c for c in _OPTIONAL_COMPARISONS if records[c].null_count < records.num_rows]
    if backend == "duckdb":
        db_api = DuckDBAPI()
        db_api.duckdb_con.execute("SET enable_progress_bar = false")
        table = db_api.register(records)
    elif backend == "spark":
        db_api = _spark_api(spark_session)
        table = db_api.register(records.to_pandas())
    else:
        raise LinkageBackendError(f"unknown backend {backend!r}: use 'duckdb' or 'spark'")
    settings: Any = (
        dict(model)
        if model is not None
        else build_settings(
            dialect=backend, columns=present, tf=records.num_rows >= MIN_RECORDS_TO_TRAIN
        )
    )
    linker = Linker(table, settings, log_level=None)
    if model is None:
        linker = Linker(table, train(linker, records=records.num_rows), log_level=None)
    predictions = linker.inference.predict(
        threshold_match_probability=review_threshold, warning_mode="never"
    )
    if backend == "duckdb":
        con = db_api.duckdb_con
        scored_name = predictions.physical_name
    else:  # the scored pairs are few next to the records: finish them locally
        con = duckdb.connect()
        con.register("scored", predictions.as_pandas_dataframe())
        scored_name = "scored"
    con.execute("SET enable_progress_bar = false")
    con.register("record_ids", ids)
    # table names are splink's own; no value from the records is spliced into SQL
    columns = con.sql(f"SELECT * FROM {scored_name} LIMIT 0").columns  # noqa: S608
    scored = con.sql(conflicts_sql(columns, scored=scored_name, ids="record_ids")).df()
    return scored, linker.misc.save_model_to_json()


def _spark_api(spark_session: Any):
    if importlib.util.find_spec("pyspark") is None:
        raise LinkageBackendError(
            "backend='spark' needs pyspark, which is not installed: "
            "pip install pyspark (and a Java runtime), or use backend='duckdb'"
        )
    from pyspark.sql import SparkSession
    from splink import SparkAPI
    from splink.backends.spark import similarity_jar_location

    session = spark_session or (
        SparkSession.builder.appName("tandem-linkage")
        .config("spark.jars", similarity_jar_location())  # jaro_winkler and friends
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    if not session.sparkContext.getCheckpointDir():
        session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="tandem-spark-"))
    return SparkAPI(spark_session=session)

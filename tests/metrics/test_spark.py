"""The same metric definitions on a local Spark session (slow: a JVM starts)."""

import shutil

import pytest

from .tables import AS_OF
from .test_catalogue import EXPECTED, world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark_con():
    if shutil.which("java") is None:
        pytest.skip("no Java runtime for Spark")
    import ibis
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("tandem-metrics-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    for name, table in world().items():
        session.createDataFrame(table).createOrReplaceTempView(name)
    con = ibis.pyspark.connect(session)
    from tandem.metrics import engine

    engine.materialise_facts(con, as_of=AS_OF, view=True)
    yield con
    session.stop()


@pytest.mark.parametrize(
    "metric_id", ["bh_calls_clinician_assessed", "diverted_from_jail", "dispatch_to_arrival_p50"]
)
def test_a_metric_gives_the_same_answer_on_spark_as_on_duckdb(spark_con, metric_id):
    from tandem.metrics import engine
    from tandem.metrics.catalogue import BY_ID

    (row,) = engine.run_one(spark_con, BY_ID[metric_id]).to_pylist()
    numerator, denominator, value = EXPECTED[metric_id]
    assert row["numerator"] == pytest.approx(numerator)
    assert row["denominator"] == pytest.approx(denominator)
    assert row["value"] == pytest.approx(value)

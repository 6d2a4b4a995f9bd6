from django.conf import settings

from tandem.metrics.catalogue import METRICS
from tandem.metrics.docs import render


def test_the_metric_definitions_are_current_with_the_code():
    committed = (settings.REPO_DIR / "docs" / "metrics.md").read_text()
    assert committed == render(), "docs/metrics.md is stale: run `tandem metrics-doc`"


def test_the_definitions_name_every_metric_and_the_diversion_rules():
    text = render()
    for metric in METRICS:
        assert f"(`{metric.id}`)" in text
    assert "## Diverted from jail (`diverted_from_jail`)" in text

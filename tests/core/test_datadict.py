from django.conf import settings

from tandem.core.datadict import render


def test_the_data_dictionary_is_current_with_the_models():
    committed = (settings.REPO_DIR / "docs" / "data-dictionary.md").read_text()
    assert committed == render(), "docs/data-dictionary.md is stale: run `make datadict`"


def test_the_data_dictionary_shows_each_fields_segment():
    text = render()
    assert "| `clinical_notes` | text | no | clinical |" in text
    assert "| `substance_use_notes` | text | no | part2 |" in text

"""The PDF layer: valid files, the text that was written, a footer on every page."""

from datetime import date

import vl_convert

from tandem.core import pdf
from tests.core.pdf_text import pages, text

NOTICE = (
    "This record is protected by federal confidentiality rules (42 CFR part 2). "
    "Redisclosure is prohibited unless the patient consents."
)
SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "description": "Behavioral-health calls by month",
    "data": {"values": [{"month": "2026-07", "calls": 30}, {"month": "2026-08", "calls": 42}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "month", "type": "ordinal"},
        "y": {"field": "calls", "type": "quantitative"},
    },
}


def long_report() -> bytes:
    report = pdf.Report(
        "Quarterly report – 2026-Q3",
        subtitle="Eastern Region",
        notice=NOTICE,
        generated_on=date(2026, 10, 2),
    )
    report.heading("Measures ≥ 11 people")
    report.paragraph("Counts of fewer than 11 people are shown as “fewer than 11”.")
    rows = [[f"Measure {i} " + "with a long label " * 6, i, i * 2] for i in range(80)]
    report.table(["Measure", "This quarter", "Last quarter"], rows, widths=(4, 1, 1))
    return report.output()


def test_output_is_a_pdf_file_with_an_end_of_file_marker():
    data = pdf.document("Title").output()

    assert data.startswith(b"%PDF-1.")
    assert data.rstrip().endswith(b"%%EOF")


def test_the_text_written_can_be_read_back_including_characters_beyond_latin_1():
    content = text(long_report())

    assert "Quarterly report – 2026-Q3" in content
    assert "Measures ≥ 11 people" in content
    assert "“fewer than 11”" in content
    assert "Measure 79 with a long label" in content


def test_the_title_and_language_are_in_the_document_metadata():
    data = pdf.document("Grant report 2026-Q3", subtitle="Region").output()

    assert b"/Lang (en-US)" in data
    assert b"/Title (Grant report 2026-Q3)" in data


def test_a_long_table_repeats_its_header_row_on_every_page():
    texts = pages(long_report())

    assert len(texts) >= 3
    for page in texts:
        assert "Measure\nThis quarter\nLast quarter" in page


def test_a_long_cell_wraps_instead_of_running_off_the_page():
    texts = pages(long_report())

    label = "Measure 0 " + "with a long label " * 6
    assert label.strip() not in texts[0]  # split over lines
    assert "Measure 0 with a long label" in texts[0]


def test_every_page_footer_has_its_number_the_generation_date_and_the_notice():
    texts = pages(long_report())

    for number, page in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in page
        assert "generated 2026-10-02" in page
        assert "42 CFR part 2" in page


def test_a_chart_spec_and_vl_convert_svg_are_both_embedded_as_images():
    report = pdf.document("Charts")
    report.chart(SPEC, width_mm=120)
    report.svg(vl_convert.vegalite_to_svg({**SPEC, "mark": "line"}), width_mm=80)
    data = report.output()

    assert data.count(b"/Subtype /Image") == 2
    assert b"Behavioral-health calls by month" in data  # the chart's alternative text


def test_a_chart_too_tall_for_the_rest_of_the_page_starts_a_new_page():
    report = pdf.document("Charts")
    report.paragraph("\n" * 40)
    report.chart({**SPEC, "width": 400, "height": 200}, width_mm=170)

    assert len(pages(report.output())) == 2


def test_a_tall_narrow_chart_is_shrunk_to_fit_one_page():
    report = pdf.document("Charts")
    report.chart({**SPEC, "width": 40, "height": 900}, width_mm=170)

    assert len(pages(report.output())) == 2  # the cover page is too full, the next holds it


def test_labelled_facts_print_label_and_value():
    report = pdf.document("Cover")
    report.key_values([("Quarter", "2026-Q3 (July–September 2026)"), ("Prepared by", "An")])

    content = text(report.output())
    assert "Quarter\n2026-Q3 (July–September 2026)" in content
    assert "Prepared by\nAn" in content


def test_keep_starts_a_new_page_only_when_the_block_would_not_fit():
    report = pdf.document("Keep")
    report.keep(50)  # fits under the title
    report.paragraph("first")
    report.paragraph("\n" * 38)
    report.keep(50)  # does not fit in what is left
    report.paragraph("second")

    first, second = pages(report.output())
    assert "first" in first and "second" in second

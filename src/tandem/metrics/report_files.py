"""The grant report as files: CSV (one row per measure) and a PDF a funder reads, with
the two trend charts (Vega-Lite, drawn on the server by vl-convert, so the page and the
PDF show the same pictures and nothing is fetched from the internet).
"""

from __future__ import annotations

import csv
import io

import vl_convert

from tandem.core import pdf
from tandem.metrics.catalogue import BY_ID, SOURCES
from tandem.metrics.reports import (
    MEASURES,
    SECTIONS,
    SUPPRESSED,
    TREND_COUNTS,
    TREND_SHARES,
    GrantReport,
    change,
    deidentification_statement,
    money,
    shown,
)
from tandem.metrics.selectors import SMALL_CELL

COLOURS = ["#005ea2", "#d54309", "#565c65"]  # USWDS blue, orange, grey: distinct in grey too
DASHES = [[1, 0], [6, 3], [2, 2]]
LABELS = {m.metric_id: m.name for m in MEASURES if not m.category}  # as the tables say
ROW_MM = 7  # a table row of one line, for keeping a short table on one page
VEGA_LITE = "5.21"  # breaks lines at null values ("invalid" mark property)
GLANCE = (
    "bh_calls",
    "calls_responded",
    "unique_people_served",
    "people_connected",
    "diverted_from_jail",
    "resolved_on_scene",
    "request_to_arrival_p50",
)


# --- Charts -----------------------------------------------------------------------------


def _points(report: GrantReport, metric_ids: tuple[str, ...], scale: float) -> list[dict]:
    """One point per measure and month of the trend; a withheld or empty month is a
    null, which breaks the line instead of joining its neighbours across the gap."""
    found = {(v.metric_id, v.group["month"]): v for v in report.trend}
    points = []
    for metric_id in metric_ids:
        for month in report.trend_months:
            v = found.get((metric_id, month))
            value = None if v is None or v.suppressed or v.value is None else v.value * scale
            points.append(
                {
                    "month": f"{month:%b %Y}",
                    "measure": LABELS.get(metric_id) or BY_ID[metric_id].name,
                    "value": None if value is None else round(value, 1),
                }
            )
    return points


def _line_chart(points: list[dict], y_title: str, description: str) -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": description,
        "width": 440,
        "height": 170,
        "data": {"values": points},
        "mark": {
            "type": "line",
            "point": True,
            "strokeWidth": 2,
            "invalid": "break-paths-show-domains",
        },
        "encoding": {
            "x": {
                "field": "month",
                "type": "ordinal",
                "sort": None,  # the months in the order given
                "title": None,
                "axis": {"labelAngle": -40},
            },
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {
                "field": "measure",
                "type": "nominal",
                "title": None,
                "scale": {"range": COLOURS},
                "legend": {"orient": "bottom", "direction": "vertical", "symbolType": "stroke"},
            },
            "strokeDash": {
                "field": "measure",
                "type": "nominal",
                "title": None,
                "scale": {"range": DASHES},
            },
        },
        "config": {
            "font": "DejaVu Sans",
            "view": {"stroke": None},
            "axis": {"grid": True},
            "legend": {"symbolStrokeWidth": 2, "symbolSize": 300, "labelLimit": 0},
        },
    }


def charts(report: GrantReport) -> list[tuple[str, dict | None]]:
    """(title, spec) per chart; the spec is None when no month can be shown."""
    months = f"the 12 months to {report.quarter.months[-1]:%B %Y}"
    volume = _points(report, TREND_COUNTS, 1)
    outcomes = _points(report, TREND_SHARES, 100)
    return [
        (
            "Calls by month",
            _line_chart(
                volume,
                "calls",
                f"Behavioral-health calls and calls a team responded to, by month, {months}.",
            )
            if _any(volume)
            else None,
        ),
        (
            "Outcomes by month",
            _line_chart(
                outcomes,
                "% of encounters",
                f"Share of encounters resolved on scene, diverted from jail and ending in "
                f"arrest, by month, {months}.",
            )
            if _any(outcomes)
            else None,
        ),
    ]


def _any(points: list[dict]) -> bool:
    return any(p["value"] is not None for p in points)


def chart_svg(spec: dict) -> str:
    pdf.chart_fonts()
    return vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE, allowed_base_urls=[])


CHART_NOTE = (
    f"A month is left out of a line when its figure rests on fewer than {SMALL_CELL} "
    "people or has nothing to count."
)


# --- PDF --------------------------------------------------------------------------------


def report_pdf(report: GrantReport) -> bytes:
    notice = (
        f"De-identified: figures resting on fewer than {SMALL_CELL} people are withheld."
        if report.suppressed_cells
        else f"Shows figures resting on fewer than {SMALL_CELL} people: for use within "
        "the program only."
    )
    doc = pdf.document(report.title, subtitle=report.subtitle, notice=notice)
    _cover(doc, report)
    _measures(doc, report)
    _trend(doc, report)
    _cost(doc, report)
    _appendix(doc, report)
    return doc.output()


def _cover(doc: pdf.Report, report: GrantReport) -> None:
    q = report.quarter
    doc.key_values(
        [
            ("Program or agency", report.scope.label),
            ("Quarter", f"{q} ({q.period})"),
            ("Compared with", f"{q.previous()} ({q.previous().period})"),
            ("Prepared by", report.prepared_by),
            ("Generated", f"{report.generated_at:%Y-%m-%d %H:%M}"),
            (
                "Records as of",
                f"{report.data_as_of:%Y-%m-%d %H:%M}" if report.data_as_of else "not known",
            ),
        ]
    )
    doc.heading("At a glance")
    glance = [report.line(metric_id) for metric_id in GLANCE]
    rows = [
        [ln.measure.name, shown(ln.current, ln.unit), shown(ln.previous, ln.unit)] for ln in glance
    ]
    if report.cost is not None:
        c = report.cost
        rows.append(
            [
                "Cost avoided (expected, with range)",
                f"{money(c.total('expected'), c.currency)} "
                f"({money(c.total('low'), c.currency)}–{money(c.total('high'), c.currency)})",
                "",
            ]
        )
    doc.table(["Measure", str(q), str(q.previous())], rows, widths=(5, 3, 3), align="LRR")
    doc.heading("About these figures")
    doc.paragraph(deidentification_statement(report))
    doc.paragraph(
        "Every figure is computed by Tandem from the records the partner agencies keep in "
        "it, with the definition printed in the appendix. A share shows its count and base "
        "in brackets. The program's own data-quality review should precede submission."
    )


def _measures(doc: pdf.Report, report: GrantReport) -> None:
    doc.page_break()
    doc.heading("Measures")
    q = report.quarter
    for title, lines in report.sections():
        doc.keep(ROW_MM * (len(lines) + 1) + 12)  # the heading and its table together
        doc.heading(title, level=1)
        rows = [
            [ln.measure.name, shown(ln.current, ln.unit), shown(ln.previous, ln.unit), change(ln)]
            for ln in lines
        ]
        doc.table(
            ["Measure", str(q), str(q.previous()), "Change"],
            rows,
            widths=(6, 2.6, 2.6, 1.5),
            align="LRRR",
        )
    for note in report.notes:
        doc.paragraph(note, muted=True)


def _trend(doc: pdf.Report, report: GrantReport) -> None:
    pdf.chart_fonts()
    doc.heading("Monthly trend")
    for title, spec in charts(report):
        doc.heading(title, level=1)
        if spec is None:
            doc.paragraph("No month in the period can be shown.", muted=True)
        else:
            doc.chart(spec, width_mm=150, vl_version=VEGA_LITE)
    doc.paragraph(CHART_NOTE, muted=True)


def _cost(doc: pdf.Report, report: GrantReport) -> None:
    doc.page_break()  # the money, its table and its assumptions on one page
    doc.heading("Cost avoided")
    c = report.cost
    if c is None:
        doc.paragraph(
            "Not shown: a count it rests on (encounters diverted from jail or hospital, "
            f"officer time returned) rests on fewer than {SMALL_CELL} people this quarter."
        )
        return
    doc.paragraph(
        f"Expected {money(c.total('expected'), c.currency)}, between "
        f"{money(c.total('low'), c.currency)} and {money(c.total('high'), c.currency)} "
        f"({c.currency} of {c.year}), from {c.outcomes.diverted_from_jail:,} encounters "
        f"diverted from jail, {c.outcomes.diverted_from_hospital:,} diverted from hospital "
        f"and {c.outcomes.officer_hours_returned:,.1f} officer hours returned to patrol."
    )
    parts = (("Jail", "jail"), ("Hospital", "hospital"), ("Officer time", "officer_time"))
    rows = [
        [
            label,
            *(money(c.amounts[level][key], c.currency) for level in ("low", "expected", "high")),
        ]
        for label, key in parts
    ]
    rows.append(
        ["Total", *(money(c.total(level), c.currency) for level in ("low", "expected", "high"))]
    )
    doc.table(["Component", "Low", "Expected", "High"], rows, widths=(3, 2, 2, 2), align="LRRR")
    doc.heading("Assumptions", level=1)
    for assumption in c.assumptions:
        doc.paragraph(assumption)


def _appendix(doc: pdf.Report, report: GrantReport) -> None:
    doc.page_break()
    doc.heading("Appendix: definitions")
    seen: set[str] = set()
    rows = []
    for _, measures in SECTIONS:
        for m in measures:
            metric = m.metric
            if metric.id in seen:
                continue
            seen.add(metric.id)
            counts = f"Counts: {metric.numerator}"
            if metric.denominator != "(a count)":
                counts += f", out of {metric.denominator}"
            rows.append(
                [
                    f"{metric.name}\n({metric.id})",
                    f"{metric.definition.replace('`', '')}\n{counts}. Unit: {metric.unit}. "
                    f"Sources: {', '.join(metric.sources)}.",
                ]
            )
    doc.table(["Measure", "Definition"], rows, widths=(1.4, 3.6))
    doc.heading("Sources", level=1)
    used = sorted({s for _, ms in SECTIONS for m in ms for s in m.metric.sources})
    for key in used:
        doc.paragraph(f"{key}: {SOURCES[key].replace('*', '')}")
    doc.heading("De-identification")
    doc.paragraph(deidentification_statement(report))
    if report.suppressed_cells:
        doc.paragraph(
            f"A value is withheld when the people behind it, or behind its numerator, number "
            f"1 to {SMALL_CELL - 1} (as in the CMS cell-size suppression policy). "
            f"“{SUPPRESSED}” marks each withheld value; the cost avoided is not shown "
            "when a count it rests on is withheld."
        )


# --- CSV --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "label",
    "numerator",
    "denominator",
    "value",
    "unit",
    "suppressed",
    "definition",
)


def report_csv(report: GrantReport) -> str:
    """One row per measure of this quarter; the cost avoided as three rows (low, expected,
    high) when it can be shown."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in report.lines:
        v, m = line.current, line.measure
        definition = m.metric.definition
        if m.category:
            dimension = m.metric.always_by[0].replace("_", " ")
            definition += f" This line: {dimension} {m.category}."
        writer.writerow(
            [
                m.id,
                m.name,
                _number(v.numerator),
                _number(v.denominator),
                _number(v.value),
                line.unit,
                "true" if v.suppressed else "false",
                definition,
            ]
        )
    if report.cost is not None:
        cost = report.cost
        assumptions = " ".join(cost.assumptions)
        for level in ("low", "expected", "high"):
            writer.writerow(
                [
                    f"cost_avoided:{level}",
                    f"Cost avoided ({level})",
                    "",
                    "",
                    _number(round(cost.total(level), 2)),
                    f"{cost.currency} of {cost.year}",
                    "false",
                    assumptions,
                ]
            )
    return out.getvalue()


def _number(x: float | None) -> str:
    if x is None:
        return ""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.4f}".rstrip("0")

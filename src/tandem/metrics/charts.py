"""The dashboard's charts: Vega-Lite specs drawn from a figure's table, rendered to SVG on
the server (vl-convert), so no chart library or CDN reaches the browser.

The chart shows the same cells as the table beside it. A withheld cell (fewer than 11
people) is a gap, never a zero, and is marked "<11" on the axis line. Series differ by
colour, point shape and dash, and every colour has 4.5:1 contrast on white, so nothing
is told by colour alone.

The SVG goes inline in the page. The Content-Security-Policy forbids style attributes
and <style> elements; vl-convert uses presentation attributes only, and `_sanitise`
removes any style that a future version might add. Element ids get a per-chart prefix
so that several charts on one page do not share clip paths.

Rendering takes tens of milliseconds per chart; SVGs are cached in process memory by a
hash of their spec, which holds only the figure's aggregate cells (no person's data,
and nothing about who asked: two users who may see the same numbers share an entry).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from typing import Any

import vl_convert

from tandem.metrics.dashboard import SMALL_CELL, Table, fmt
from tandem.metrics.panels import HOURS, MINUTES, MONEY, SHARE

WIDTH = 400
HEIGHT = 280
BAR_STEP = 26  # px per category in horizontal bar charts
INK = "#1b1b1b"  # base-ink
GRID = "#dfe1e2"  # base-lighter
SERIES = [  # primary, orange-60v, green-cool-60v, violet-70v: each >= 4.5:1 on white
    ("#005ea2", "circle", [1, 0]),
    ("#c05600", "square", [6, 3]),
    ("#008817", "triangle-up", [2, 2]),
    ("#6b4fa0", "diamond", [8, 3, 2, 3]),
]
FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif"
MARK = f"<{SMALL_CELL}"
CACHE_SIZE = 512
VEGA_LITE = "5.21"  # the specs below rely on its line breaks at invalid values

CONFIG: dict[str, Any] = {
    "aria": False,  # the whole SVG is one image with its own label and description
    "background": "white",
    "font": FONT,
    "view": {"stroke": None},
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 14,
        "titleFontSize": 14,
        "titleFontWeight": "normal",
        "domainColor": INK,
        "tickColor": INK,
        "gridColor": GRID,
    },
    "legend": {
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 14,
        "orient": "bottom",
        "direction": "vertical",
        "symbolStrokeWidth": 2,
        "symbolSize": 120,
    },
    "text": {"fontSize": 14, "color": INK},
}
AXIS_FORMAT = {SHARE: ".0%", MINUTES: ",.0f", HOURS: ",.0f", MONEY: "$,.0f"}


def chart_svg(table: Table, chart_id: str) -> str | None:
    """The figure's chart as inline SVG markup, or None when it has nothing to draw."""
    spec = chart_spec(table)
    if spec is None:
        return None
    return _sanitise(_render(spec), chart_id)


def chart_spec(table: Table) -> dict | None:
    data = _data(table)
    if all(d["value"] is None for d in data):
        return None  # nothing to draw: every value withheld, or none recorded
    build = {"bar": _month_bars, "line": _month_lines, "hbar": _bars, "range": _range}
    spec = build[table.figure.chart](table, data)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": CONFIG,
        "data": {"values": data},
        **spec,
    }


def _data(table: Table) -> list[dict]:
    """Long form: one datum per row and charted column."""
    charted = [i for i, col in enumerate(table.columns) if col.chart]
    return [
        {
            "key": row.label,
            "order": n,
            "series": table.columns[i].label,
            "value": row.cells[i].number,
            "withheld": bool(row.cells[i].withheld),
        }
        for n, row in enumerate(table.rows)
        for i in charted
    ]


def _value_format(table: Table) -> str:
    col = next(col for col in table.columns if col.chart)
    return AXIS_FORMAT.get(col.fmt, ",.0f")


def _month_axis(table: Table) -> dict:
    return {
        "field": "key",
        "type": "ordinal",
        "sort": [row.label for row in table.rows],
        "title": None,
        "axis": {"labelAngle": 0, "labelExpr": "split(datum.label, ' ')", "labelPadding": 6},
    }


def _value_axis(table: Table, **extra) -> dict:
    return {
        "field": "value",
        "type": "quantitative",
        "title": table.figure.axis,
        "axis": {"format": _value_format(table), "tickCount": 5},
        **extra,
    }


def _withheld_marks(x: dict, *, horizontal: bool = False) -> dict:
    """ "<11" at the axis line where a value is withheld: a gap that says why."""
    position = (
        {"x": {"datum": 0, "type": "quantitative"}, "y": x}
        if horizontal
        else {"x": x, "y": {"datum": 0, "type": "quantitative"}}
    )
    return {
        "transform": [{"filter": "datum.withheld"}],
        "mark": {
            "type": "text",
            "align": "left" if horizontal else "center",
            "baseline": "middle" if horizontal else "bottom",
            "dx": 4 if horizontal else 0,
            "dy": 0 if horizontal else -3,
            "fontStyle": "italic",
        },
        "encoding": {**position, "text": {"value": MARK}},
    }


def _month_bars(table: Table, data: list[dict]) -> dict:
    x = _month_axis(table)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "layer": [
            {
                "mark": {"type": "bar", "color": SERIES[0][0]},
                "encoding": {"x": x, "y": _value_axis(table)},
            },
            _withheld_marks(x),
        ],
    }


def _series_scales(table: Table) -> dict:
    names = [col.label for col in table.columns if col.chart]
    scale = lambda values: {"domain": names, "range": values[: len(names)]}  # noqa: E731
    legend = None if len(names) == 1 else {"title": None}
    return {
        "color": {
            "field": "series",
            "type": "nominal",
            "scale": scale([s[0] for s in SERIES]),
            "legend": legend,
        },
        "shape": {"field": "series", "type": "nominal", "scale": scale([s[1] for s in SERIES])},
        "strokeDash": {
            "field": "series",
            "type": "nominal",
            "scale": scale([s[2] for s in SERIES]),
        },
    }


def _month_lines(table: Table, data: list[dict]) -> dict:
    x = _month_axis(table)
    scales = _series_scales(table)
    zero = table.figure.axis != "share"
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "layer": [
            {
                # A withheld month breaks the line instead of joining its neighbours or
                # dropping to zero: a gap, not an interpolation.
                "mark": {"type": "line", "strokeWidth": 2.5, "invalid": "break-paths-show-domains"},
                "encoding": {
                    "x": x,
                    "y": _value_axis(table, scale={"zero": zero}),
                    "color": scales["color"],
                    "strokeDash": scales["strokeDash"],
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
                "transform": [{"filter": "isValid(datum.value)"}],
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative"},
                    "color": {**scales["color"], "legend": None},
                    "shape": {**scales["shape"], "legend": scales["color"]["legend"]},
                },
            },
            _withheld_marks(x),
        ],
        "resolve": {"scale": {"y": "shared"}},
    }


def _bars(table: Table, data: list[dict]) -> dict:
    y = {
        "field": "key",
        "type": "nominal",
        "sort": [row.label for row in table.rows],
        "title": None,
        "axis": {"labelLimit": 220},
    }
    value_format = _value_format(table)
    return {
        "width": WIDTH - 160,
        "height": {"step": BAR_STEP},
        "layer": [
            {
                "mark": {"type": "bar", "color": SERIES[0][0]},
                "encoding": {"y": y, "x": _value_axis(table)},
            },
            {
                "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4},
                "transform": [{"filter": "isValid(datum.value)"}],
                "encoding": {
                    "y": y,
                    "x": {"field": "value", "type": "quantitative"},
                    "text": {"field": "value", "type": "quantitative", "format": value_format},
                },
            },
            _withheld_marks(y, horizontal=True),
        ],
    }


def _range(table: Table, data: list[dict]) -> dict:
    """Cost avoided: the expected figure as a bar, the low-to-high range as a line."""
    rows = [
        {
            "key": row.label,
            "low": row.cells[0].number,
            "expected": row.cells[1].number,
            "high": row.cells[2].number,
        }
        for row in table.rows
    ]
    if any(r["expected"] is None for r in rows):
        return _bars(table, data)  # never reached: a withheld cost has no chart
    y = {"field": "key", "type": "nominal", "sort": None, "title": None,
         "axis": {"labelLimit": 240}}  # fmt: skip
    money = {"format": "$,.0f", "tickCount": 5}
    return {
        "data": {"values": rows},
        "width": WIDTH,
        "height": {"step": 34},
        "layer": [
            {
                "mark": {"type": "bar", "color": SERIES[0][0], "size": 18},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "expected",
                        "type": "quantitative",
                        "title": "USD: bar expected, line low to high",
                        "axis": money,
                    },
                },  # fmt: skip
            },
            {
                "mark": {"type": "rule", "color": INK, "strokeWidth": 2},
                "encoding": {
                    "y": y,
                    "x": {"field": "low", "type": "quantitative"},
                    "x2": {"field": "high"},
                },
            },  # fmt: skip
            {
                "mark": {"type": "tick", "color": INK, "thickness": 2, "size": 14},
                "transform": [{"fold": ["low", "high"], "as": ["level", "amount"]}],
                "encoding": {"y": y, "x": {"field": "amount", "type": "quantitative"}},
            },
        ],
    }


# --- Rendering ---------------------------------------------------------------------------

_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _render(spec: dict) -> str:
    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    svg = vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE)
    with _CACHE_LOCK:
        _CACHE[key] = svg
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return svg


_STYLE_ELEMENT = re.compile(r"<style\b.*?</style>", re.S)
_STYLE_ATTR = re.compile(r"\sstyle=\"[^\"]*\"")
_ID = re.compile(r"\bid=\"([^\"]+)\"")


def _sanitise(svg: str, chart_id: str) -> str:
    """Inline-safe SVG: no styles (the CSP would block them), ids unique to the chart,
    and a root that is one image labelled by the figure's title and description."""
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE_ATTR.sub("", svg)
    for old in set(_ID.findall(svg)):
        new = f"{chart_id}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})").replace(
            f'href="#{old}"', f'href="#{new}"'
        )
    svg = re.sub(r"^<svg\b", "<svg", svg.strip())
    svg = svg.replace('class="marks"', 'class="tandem-chart__svg"', 1)
    labels = f'role="img" aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc"'
    return svg.replace("<svg ", f'<svg {labels} focusable="false" ', 1)


# --- Words -------------------------------------------------------------------------------


def describe(table: Table) -> str:
    """The chart in a sentence or two, for screen readers and anyone skimming."""
    if table.figure.chart == "range":
        return _describe_cost(table)
    charted = [i for i, col in enumerate(table.columns) if col.chart]
    if not charted or not table.rows:
        return "Nothing to show for these filters."
    i, col = charted[0], table.columns[charted[0]]
    shown = [(r.label, r.cells[i].number) for r in table.rows if r.cells[i].number is not None]
    withheld = [r.label for r in table.rows if r.cells[i].withheld]
    if table.figure.by != "month":
        top = ", ".join(f"{label} {fmt(n, col.fmt)}" for label, n in shown[:3]) or "none"
        words = [f"{col.label} by {table.key_label.lower()}, largest first: {top}."]
    else:
        words = [f"{col.label} per month, {table.rows[0].label} to {table.rows[-1].label}."]
        if shown:
            (hi, hi_n), (lo, lo_n) = max(shown, key=_n), min(shown, key=_n)
            words.append(
                f"Highest {fmt(hi_n, col.fmt)} in {hi}; lowest {fmt(lo_n, col.fmt)} in {lo}."
            )
        if len(charted) > 1:
            words.append(f"Also drawn: {', '.join(table.columns[j].label for j in charted[1:])}.")
    if withheld:
        words.append(f"Withheld to protect people's privacy: {', '.join(withheld)}.")
    return " ".join(words)


def _n(item: tuple[str, float]) -> float:
    return item[1]


def _describe_cost(table: Table) -> str:
    low, expected, high = table.total.cells if table.total else (None, None, None)
    if expected is None or expected.number is None:
        return "Cost avoided is withheld: an outcome it rests on is withheld."
    return (
        f"Cost avoided over the period: expected {expected.text}, "
        f"between {low.text} and {high.text}."
    )

"""The report's chart: rows per month, split into clean, with warnings and rejected.

Drawn server-side as SVG geometry; the template adds the same numbers as a table.
"""

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 80
PLOT_WIDTH = 420
WIDTH = LABEL_WIDTH + PLOT_WIDTH + 70


def month_chart(report: dict) -> dict | None:
    months = report.get("months") or []
    if not months:
        return None
    top = max(m["rows"] for m in months) or 1
    bars = []
    for i, m in enumerate(months):
        y = i * (BAR_HEIGHT + GAP)
        clean = m["rows"] - m["rejected"] - m["flagged"]
        x = LABEL_WIDTH
        parts = []
        for kind, value in (
            ("clean", clean),
            ("flagged", m["flagged"]),
            ("rejected", m["rejected"]),
        ):
            width = round(PLOT_WIDTH * value / top, 1)
            parts.append({"kind": kind, "x": x, "width": width, "value": value})
            x += width
        bars.append(
            {
                "month": m["month"],
                "y": y,
                "text_y": y + BAR_HEIGHT - 6,
                "parts": parts,
                "total_x": x + 6,
                "rows": m["rows"],
            }
        )
    return {
        "bars": bars,
        "width": WIDTH,
        "height": len(bars) * (BAR_HEIGHT + GAP),
        "bar_height": BAR_HEIGHT,
        "label_x": LABEL_WIDTH - 8,
    }

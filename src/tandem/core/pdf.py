"""PDF documents for people outside the program: grant reports, accountings of disclosures.

A thin layer over fpdf2 so that every PDF Tandem hands out looks the same and carries,
on every page, its page number, the day it was generated and a notice (a report's
de-identification statement, or the 42 CFR 2.32 redisclosure notice that must travel
with every page of Part 2 information, not only the first).

Text is set in DejaVu Sans, bundled in ``core/fonts`` (with its licence), because the
PDF core fonts stop at Latin-1: dashes, "≥", curly quotes and most names in a region's
directory would print as question marks or fail.

Charts: fpdf2's SVG reader does not understand the SVG that vl-convert writes (it
stops on ``<line>`` elements without ``x1``), so ``Report.svg`` rasterises SVG with
vl-convert's own renderer at print resolution, and ``Report.chart`` renders a
Vega-Lite spec the same way.
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import vl_convert
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, TableHeadingsDisplay, XPos, YPos
from fpdf.fonts import FontFace

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "DejaVu"
PAGE_FORMAT = "Letter"  # US funders and courts print on Letter
MARGIN_MM = 18
BODY_PT = 10
FOOTER_PT = 7
FOOTER_LINE_MM = 3.2
INK = (27, 27, 27)  # USWDS base-darkest
MUTED = (86, 92, 101)  # USWDS base-dark, 7:1 on white
RULE = (169, 174, 177)
HEADING_FILL = (240, 240, 240)
PRINT_SCALE = 3  # raster charts at ~216 dpi: sharp on paper, small in the file


@functools.cache
def chart_fonts() -> None:
    """Let vl-convert draw text in the bundled font ("DejaVu Sans"), on any machine."""
    vl_convert.register_font_directory(str(FONT_DIR))


def document(title: str, *, subtitle: str = "", notice: str = "") -> Report:
    """Start a report whose first page opens with ``title`` and ``subtitle``."""
    return Report(title, subtitle=subtitle, notice=notice)


class _Pages(FPDF):
    """fpdf2 calls ``footer`` on every page; the text comes from the owning Report."""

    footer_text: str = ""
    notice: str = ""

    def footer(self) -> None:
        self.set_y(-self.b_margin + 4)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_font(FONT, size=FOOTER_PT)
        self.set_text_color(*MUTED)
        page = f"Page {self.page_no()} of {{nb}}"
        self.cell(0, FOOTER_LINE_MM, self.footer_text, new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.cell(0, FOOTER_LINE_MM, page, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.notice:
            self.multi_cell(0, FOOTER_LINE_MM, self.notice, align="L", new_x=XPos.LMARGIN)
        self.set_text_color(*INK)


class Report:
    """One PDF document, written top to bottom; ``output()`` returns its bytes."""

    def __init__(
        self, title: str, *, subtitle: str = "", notice: str = "", generated_on: date | None = None
    ) -> None:
        pdf = _Pages(format=PAGE_FORMAT, unit="mm")
        pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        pdf.set_title(title)
        if subtitle:
            pdf.set_subject(subtitle)
        pdf.set_lang("en-US")
        pdf.set_creator("Tandem")
        pdf.set_display_mode(zoom="fullwidth")
        pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        pdf.set_font(FONT, size=BODY_PT)
        pdf.set_text_color(*INK)
        generated = generated_on or timezone.localdate()
        pdf.footer_text = f"{title} · generated {generated.isoformat()}"
        pdf.notice = notice
        self._pdf = pdf
        self.title = title
        pdf.add_page()  # measuring the notice needs a page to measure on
        pdf.set_auto_page_break(True, margin=self._footer_height(pdf, notice))
        self._cover(title, subtitle)

    @staticmethod
    def _footer_height(pdf: FPDF, notice: str) -> float:
        """The bottom margin: room for the rule, the page line and every line of the notice."""
        lines = 0
        if notice:
            pdf.set_font(FONT, size=FOOTER_PT)
            width = pdf.w - 2 * MARGIN_MM
            lines = len(
                pdf.multi_cell(
                    width, FOOTER_LINE_MM, notice, align="L", dry_run=True, output="LINES"
                )
            )
            pdf.set_font(FONT, size=BODY_PT)
        return 10 + (1 + lines) * FOOTER_LINE_MM

    def _cover(self, title: str, subtitle: str) -> None:
        pdf = self._pdf
        pdf.set_font(FONT, "B", 18)
        pdf.multi_cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            pdf.set_font(FONT, size=12)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(0, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_text_color(*INK)
        pdf.ln(4)
        pdf.set_font(FONT, size=BODY_PT)

    def heading(self, text: str, *, level: int = 0) -> None:
        """A section heading (level 0) or sub-heading (1), listed in the PDF's outline."""
        pdf = self._pdf
        # Keep a heading with at least a few lines of what follows it.
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.ln(3 if level == 0 else 1)
        pdf.start_section(text, level=level, strict=False)
        pdf.set_font(FONT, "B", 13 if level == 0 else 11)
        pdf.multi_cell(0, 7 if level == 0 else 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        pdf.set_font(FONT, size=BODY_PT)

    def key_values(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Labelled facts, one a line (a cover page's "Prepared by", "Period" ...)."""
        pdf = self._pdf
        label_width = 48
        for label, value in pairs:
            pdf.set_font(FONT, "B", BODY_PT)
            y = pdf.get_y()
            pdf.multi_cell(label_width, 5, label, align="L", new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.set_font(FONT, size=BODY_PT)
            pdf.multi_cell(0, 5, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_y(max(pdf.get_y(), y + 5) + 1)
        pdf.ln(2)

    def paragraph(self, text: str, *, muted: bool = False) -> None:
        """A block of body text, wrapped to the page width."""
        pdf = self._pdf
        pdf.set_font(FONT, size=BODY_PT)
        if muted:
            pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        pdf.ln(2)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        widths: Sequence[float] | None = None,
        align: Sequence[str] | None = None,
    ) -> None:
        """A table whose header row repeats on every page it runs onto; long cells wrap.

        ``widths`` are relative (``(3, 1, 1)`` gives the first column three fifths);
        ``align`` is one of L, C, R per column (numbers read best right-aligned).
        """
        pdf = self._pdf
        pdf.set_font(FONT, size=BODY_PT - 1)
        pdf.set_draw_color(*RULE)
        with pdf.table(
            col_widths=tuple(widths) if widths else None,
            text_align=tuple(align) if align else "LEFT",
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            line_height=4.6,
            padding=1.2,
            first_row_as_headings=True,
        ) as table:
            table.row([str(h) for h in headers])
            for row in rows:
                table.row(["" if cell is None else str(cell) for cell in row])
        pdf.ln(3)
        pdf.set_font(FONT, size=BODY_PT)

    def svg(self, svg_text: str, *, width_mm: float = 170, alt: str = "") -> None:
        """An SVG drawing (a vl-convert chart, a QR code), printed at ``width_mm``."""
        chart_fonts()
        self._image(vl_convert.svg_to_png(svg_text, scale=PRINT_SCALE), width_mm, alt)

    def chart(
        self, spec: dict, *, width_mm: float = 170, alt: str = "", vl_version: str | None = None
    ) -> None:
        """A Vega-Lite chart, rendered on the server (no browser, no network)."""
        chart_fonts()
        png = vl_convert.vegalite_to_png(
            spec, vl_version=vl_version, scale=PRINT_SCALE, allowed_base_urls=[]
        )
        self._image(png, width_mm, alt or spec.get("description", ""))

    def _image(self, png: bytes, width_mm: float, alt: str) -> None:
        pdf = self._pdf
        pixels_wide, pixels_high = struct.unpack(">II", png[16:24])  # the PNG IHDR chunk
        # As wide as asked, but never wider than the text or taller than a page.
        tallest = pdf.eph - 10
        width_mm = min(width_mm, pdf.epw, tallest * pixels_wide / pixels_high)
        if pdf.will_page_break(width_mm * pixels_high / pixels_wide):
            pdf.add_page()
        pdf.image(io.BytesIO(png), w=width_mm, alt_text=alt or None)
        pdf.ln(3)

    def page_break(self) -> None:
        self._pdf.add_page()

    def keep(self, height_mm: float) -> None:
        """Start a new page unless `height_mm` more fits on this one: call it before a
        heading and a short table that should not be parted."""
        if height_mm < self._pdf.eph and self._pdf.will_page_break(height_mm):
            self._pdf.add_page()

    def output(self) -> bytes:
        return bytes(self._pdf.output())

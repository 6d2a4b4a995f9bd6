"""The quarterly grant report: a page preview, CSV and PDF downloads, and the
de-identified row-level exports for evaluators. Every download is an audit event.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from tandem.accounts.roles import Perm
from tandem.core.views import requires
from tandem.metrics import exports, report_files, tasks
from tandem.metrics.report_files import report_csv
from tandem.metrics.reports import (
    SMALL_CELL,
    GrantReport,
    Quarter,
    Scope,
    change,
    deidentification_statement,
    grant_report,
    money,
    report_export_record,
    scopes_for,
    shown,
)
from tandem.metrics.views import can_refresh


class ReportForm(forms.Form):
    """Which report: a quarter and the program or one agency. GET, so it can be bookmarked."""

    quarter = forms.CharField(
        label="Quarter",
        max_length=10,
        help_text="YYYY-Qn, for example 2026-Q3",
        error_messages={"required": "Enter a quarter as YYYY-Qn, for example 2026-Q3."},
    )
    scope = forms.ChoiceField(
        label="Program or agency",
        help_text=(
            "For one agency: everything it took part in (its calls, its teams' assignments, "
            "its clinicians' encounters), where the dashboard's agency filter counts by "
            "the agency that took the call"
        ),
        error_messages={
            "required": "Choose the whole program or one agency.",
            "invalid_choice": "Choose the whole program or one of the agencies listed.",
        },
    )

    def __init__(self, data, *, scopes: list[Scope]):
        super().__init__(data)
        self.scopes = {s.key: s for s in scopes}
        self.fields["scope"].choices = [(s.key, s.label) for s in self.scopes.values()]
        self.fields["quarter"].widget.attrs.update(
            {"class": "usa-input usa-input--small", "aria-describedby": "id_quarter-hint"}
        )
        self.fields["scope"].widget.attrs.update({"class": "usa-select"})
        for name in self.errors:  # point each invalid input at its message
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-describedby"] = f"{attrs.get('aria-describedby', '')} id_{name}-error"
                attrs["aria-invalid"] = "true"

    def clean_quarter(self) -> Quarter:
        try:
            return Quarter.parse(self.cleaned_data["quarter"])
        except ValueError as exc:
            raise forms.ValidationError(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from exc

    def clean_scope(self) -> Scope:
        return self.scopes[self.cleaned_data["scope"]]

    def query(self) -> str:
        d = self.cleaned_data
        return urlencode({"quarter": str(d["quarter"]), "scope": d["scope"].key})


def _form(request: HttpRequest) -> ReportForm:
    """The form over the query string; what it leaves out is the quarter now due and the
    first scope offered (the whole program, for those who see more than one agency)."""
    scopes = scopes_for(request.user)
    defaults = {"quarter": str(Quarter.last_complete()), "scope": scopes[0].key}
    return ReportForm(defaults | request.GET.dict(), scopes=scopes)


@requires(Perm.VIEW_AGGREGATES)
def report_page(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    report = grant_report(request.user, form.cleaned_data["quarter"], form.cleaned_data["scope"])
    filters = _quarter_filters(form)
    context = {
        "form": form,
        "report": report,
        "query": form.query(),
        "sections": [(title, [_row(ln) for ln in lines]) for title, lines in report.sections()],
        "charts": [
            (title, mark_safe(report_files.chart_svg(spec)) if spec else None)  # noqa: S308
            for title, spec in report_files.charts(report)
        ],
        "chart_note": report_files.CHART_NOTE,
        "cost": _cost(report),
        "statement": deidentification_statement(report),
        "exports": [
            (
                e,
                reverse(f"metrics:report_{e.name}"),
                *exports.export_size(request.user, e.name, filters),
            )
            for e in exports.EXPORTS.values()
        ],
        "export_rule": exports.EXPORT_RULE,
        "status": tasks.snapshot_status(),
        "can_refresh": can_refresh(request.user),
        "small_cell": SMALL_CELL,
    }
    return render(request, "metrics/report.html", context)


def _row(line) -> dict:
    return {
        "label": line.measure.name,
        "id": line.measure.id,
        "current": _parts(shown(line.current, line.unit)),
        "previous": _parts(shown(line.previous, line.unit)),
        "withheld": line.current.suppressed,
        "change": change(line),
        "definition": line.measure.metric.definition.replace("`", ""),
    }


def _parts(text: str) -> tuple[str, str]:
    """ "42.9% (866 of 2,017)" -> ("42.9%", "866 of 2,017"): the count goes on its own line,
    so the columns stay narrow enough for a tablet."""
    value, _, detail = text.partition(" (")
    return value, detail.removesuffix(")")


def _cost(report: GrantReport) -> dict | None:
    c = report.cost
    if c is None:
        return None
    levels = ("low", "expected", "high")
    return {
        "total": {level: money(c.total(level), c.currency) for level in levels},
        "rows": [
            (label, [money(c.amounts[level][key], c.currency) for level in levels])
            for label, key in (
                ("Jail", "jail"),
                ("Hospital", "hospital"),
                ("Officer time", "officer_time"),
            )
        ],
        "currency": c.currency,
        "year": c.year,
        "assumptions": c.assumptions,
    }


def _quarter_filters(form: ReportForm):
    q, scope = form.cleaned_data["quarter"], form.cleaned_data["scope"]
    return scope.filters(q.start, q.end)


def _invalid(request: HttpRequest, form: ReportForm) -> HttpResponse:
    return render(request, "metrics/report.html", {"form": form}, status=400)


@requires(Perm.VIEW_AGGREGATES)
def report_csv_download(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    report = grant_report(request.user, form.cleaned_data["quarter"], form.cleaned_data["scope"])
    report_export_record(actor=request.user, report=report, file_format="CSV")
    response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}.csv"'
    return response


@requires(Perm.VIEW_AGGREGATES)
def report_pdf_download(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    report = grant_report(request.user, form.cleaned_data["quarter"], form.cleaned_data["scope"])
    report_export_record(actor=request.user, report=report, file_format="PDF")
    response = HttpResponse(report_files.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}.pdf"'
    return response


@requires(Perm.VIEW_AGGREGATES)
def export_download(request: HttpRequest, name: str) -> HttpResponse:
    """One row per call or per encounter, de-identified (exports.py)."""
    form = _form(request)
    if not form.is_valid():
        return _invalid(request, form)
    q, scope = form.cleaned_data["quarter"], form.cleaned_data["scope"]
    file = exports.export_rows(request.user, name, _quarter_filters(form))
    exports.export_record(actor=request.user, file=file, described=f"{q}, {scope.label}")
    response = StreamingHttpResponse(file.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{q}-{scope.key}.csv"'
    return response


@require_POST
@requires(Perm.VIEW_AGGREGATES)
def report_refresh(request: HttpRequest) -> HttpResponse:
    """Queue a new snapshot; the report page says when it has been taken. The same
    people as on the dashboard may ask for it (supervisors, the regional administrator)."""
    if not can_refresh(request.user):
        raise Http404("No such page.")
    tasks.enqueue_snapshot_refresh()
    messages.info(
        request,
        "Recomputing the figures in the background. Reload this page in a minute to see "
        "the report from the new figures.",
    )
    form = ReportForm(request.POST, scopes=scopes_for(request.user))
    query = form.query() if form.is_valid() else ""
    return redirect(reverse("metrics:reports") + ("?" + query if query else ""))

"""Pages: upload an export, watch it run, read its data-quality report."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tandem.accounts.roles import Perm
from tandem.core.views import page_number, requires
from tandem.imports.chart import month_chart
from tandem.imports.forms import UploadForm
from tandem.imports.progress import progress_read
from tandem.imports.selectors import available_profiles, rejected_page, run_get, runs_visible
from tandem.imports.services import ImportFailed, import_upload
from tandem.metrics.selectors import SMALL_CELL

RUNS_SHOWN = 50
# Short words for the month table and the BH summary.
CHECK_WORDS = {
    "malformed": "unreadable record",
    "missing": "empty field",
    "unparseable": "unreadable value",
    "future": "future time",
    "impossible": "time before 1990",
    "midnight": "midnight time",
    "order": "times out of order",
    "unmapped": "unmapped value",
    "duplicate_key": "repeated number",
    "duplicate_content": "repeated content",
    "invalid": "too long",
    "number_taken": "number taken",
    "inconsistent": "contradictory values",
}
BH_WORDS = {
    "import-call-type": "call type",
    "import-final-type": "final type after recoding",
    "import-narrative": "narrative keyword",
}


def _words(report: dict) -> None:
    for month in report.get("months", []):
        month["problems"] = [(CHECK_WORDS.get(k, k), n) for k, n in month["checks"].items()]
    bh = report.get("bh", {})
    bh["reasons"] = [(BH_WORDS.get(k, k), n) for k, n in bh.get("by_reason", {}).items()]


@requires(Perm.MANAGE_PROGRAM)
def run_list(request: HttpRequest) -> HttpResponse:
    profiles = list(available_profiles())
    form = UploadForm(request.POST or None, request.FILES or None, profiles=profiles)
    profile_problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            run = import_upload(
                actor=request.user,
                upload=form.cleaned_data["file"],
                profile_name=form.cleaned_data["profile"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportFailed as exc:
            profile_problems = exc.lines
            form.add_error(
                "profile", "This profile has problems (listed above); nothing was imported."
            )
        else:
            return redirect("imports:run_detail", run_id=run.pk)
    context = {
        "form": form,
        "profile_problems": profile_problems,
        "runs": runs_visible(request.user)[:RUNS_SHOWN],
    }
    return render(request, "imports/run_list.html", context, status=400 if form.errors else 200)


@requires(Perm.MANAGE_PROGRAM)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = run_get(request.user, run_id)
    if request.htmx:
        if run.finished:  # the report replaces the progress bar: load the whole page
            response = HttpResponse("Finished; loading the report.")
            response["HX-Refresh"] = "true"
            return response
        return render(
            request, "imports/_progress.html", {"run": run, "progress": progress_read(run.pk)}
        )
    context = {"run": run}
    if run.finished:
        report = run.report or {}
        _words(report)
        context |= {
            "report": report,
            "small_cell": SMALL_CELL,
            "chart": month_chart(report),
            "rejected": rejected_page(run, page_number(request)),
        }
    else:
        context["progress"] = progress_read(run.pk)
    return render(request, "imports/run_detail.html", context)

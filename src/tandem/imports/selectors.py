"""Reads of the imports app. Runs are visible to program managers of the agency that ran
them; anyone else gets the same 404 as for a run that does not exist."""

from pathlib import Path

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404

from tandem.accounts.roles import Perm
from tandem.imports.models import ImportRun, RejectedRow
from tandem.imports.profile import PROFILE_DIR

REJECTED_PAGE = 50


def profile_dirs() -> list[Path]:
    """Shipped profiles, then the program's own in <TANDEM_VAR_DIR>/import-profiles/."""
    return [PROFILE_DIR, Path(settings.VAR_DIR) / "import-profiles"]


def available_profiles() -> dict[str, Path]:
    """Profile name -> file; a program's own profile overrides a shipped one of that name."""
    found: dict[str, Path] = {}
    for folder in profile_dirs():
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            found[path.stem] = path
    return dict(sorted(found.items()))


def runs_visible(user):
    if not user.has_perm_in(Perm.MANAGE_PROGRAM):
        return ImportRun.objects.none()
    return ImportRun.objects.filter(owning_agency_id__in=user.agency_ids()).select_related(
        "target_agency", "created_by"
    )


def run_get(user, run_id: int) -> ImportRun:
    run = runs_visible(user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such import.")
    return run


def rejected_page(run: ImportRun, number: int) -> Page:
    rows = RejectedRow.objects.filter(run=run).only("row", "reasons", "values").order_by("row")
    return Paginator(rows, REJECTED_PAGE).get_page(number)

"""Batch linkage of person records across agencies, and the reviewers' decisions.

`linkage_execute` reads every agency's person records, runs the probabilistic linker
(`people.linkage`), and records each pair above the review threshold as a `PersonLink`:
`auto` above the link threshold, `review` between the two. Reviewers' decisions
(`confirmed`, `rejected`) are passed back to the linker on every later run and are never
overwritten. Nothing is merged: one person's history is the union over linked records.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from tandem.agencies.models import Agency, AgencyKind
from tandem.people.models import LinkageRun, LinkStatus, Person, PersonLink
from tandem.privacy import selectors as gate
from tandem.privacy.services import audit_record

DECIDED = (LinkStatus.CONFIRMED, LinkStatus.REJECTED)


def _records():
    import pandas as pd

    from tandem.people.linkage_prepare import INPUT_COLUMNS

    rows = Person.objects.values_list(
        "pk",
        "owning_agency__code",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "address",
        "phone",
    )
    frame = pd.DataFrame(rows, columns=["pk", *INPUT_COLUMNS[1:]])
    frame["unique_id"] = frame["pk"].astype(str)
    frame["date_of_birth"] = frame["date_of_birth"].map(lambda d: d.isoformat() if d else None)
    return frame.drop(columns=["pk"])


def _decisions() -> dict[tuple[str, str], bool]:
    return {
        (str(a), str(b)): status == LinkStatus.CONFIRMED
        for a, b, status in PersonLink.objects.filter(status__in=DECIDED).values_list(
            "person_a_id", "person_b_id", "status"
        )
    }


def linkage_execute(
    *,
    actor=None,
    link_threshold: float = 0.95,
    review_threshold: float = 0.5,
    backend: str = "duckdb",
) -> LinkageRun:
    """Run the linker over all person records and store its links."""
    admin = Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).order_by("pk").first()
    if admin is None:
        raise RuntimeError("linkage needs the regional administrator agency to own its links")
    run = LinkageRun.objects.create(
        owning_agency=admin,
        started_at=timezone.now(),
        link_threshold=link_threshold,
        review_threshold=review_threshold,
        backend=backend,
        created_by=actor,
    )
    from tandem.people import linkage  # pandas, DuckDB and splink load only for a run

    records = _records()
    result = linkage.link(
        records,
        decisions=_decisions(),
        link_threshold=link_threshold,
        review_threshold=review_threshold,
        backend=backend,
    )
    with transaction.atomic():
        counts = _store(run, result.pairs, admin, actor)
        run.records = len(records)
        run.auto_links, run.review_links = counts
        run.finished_at = timezone.now()
        run.save()
        if actor is not None:
            audit_record(actor=actor, action="linkage_run", obj=run, agency_id=admin.pk)
    return run


def _store(run, pairs, admin, actor) -> tuple[int, int]:
    """Upsert undecided links; decided ones are left as the reviewer left them."""
    import pandas as pd

    frame = pairs if isinstance(pairs, pd.DataFrame) else pd.DataFrame(pairs)
    existing = {(k.person_a_id, k.person_b_id): k for k in PersonLink.objects.all()}
    new, changed, auto, review = [], [], 0, 0
    for row in frame.itertuples(index=False):
        if row.status not in (LinkStatus.AUTO, LinkStatus.REVIEW):
            continue
        reason = _review_reason(row, run) if row.status == LinkStatus.REVIEW else ""
        a, b = sorted((int(row.unique_id_l), int(row.unique_id_r)))
        auto += row.status == LinkStatus.AUTO
        review += row.status == LinkStatus.REVIEW
        link = existing.pop((a, b), None)
        if link is None:
            new.append(
                PersonLink(
                    owning_agency=admin,
                    person_a_id=a,
                    person_b_id=b,
                    probability=float(row.match_probability),
                    status=row.status,
                    reason=reason,
                    run=run,
                    created_by=actor,
                )
            )
        elif link.status not in DECIDED:
            link.probability, link.status, link.run = float(row.match_probability), row.status, run
            link.reason = reason
            changed.append(link)
    PersonLink.objects.bulk_create(new, batch_size=2000)
    PersonLink.objects.bulk_update(
        changed, ["probability", "status", "reason", "run"], batch_size=2000
    )
    # Undecided links this run no longer proposes are dropped; decisions stay.
    stale = [k.pk for k in existing.values() if k.status not in DECIDED]
    PersonLink.objects.filter(pk__in=stale).delete()
    return auto, review


def _review_reason(row, run) -> str:
    conflict = getattr(row, "conflict", None)
    if isinstance(conflict, str) and conflict:
        return conflict[:1].upper() + conflict[1:]
    return (
        f"Probability {row.match_probability:.2f} is below the automatic-link "
        f"threshold {run.link_threshold:.2f}"
    )[:120]


def _reviewable(actor):
    """Links with at least one record the actor may see.

    Settling a pair means seeing the other agency's identifying fields (name, date of
    birth, sex, address: never a segmented field); every decision is audited.
    """
    visible = gate.visible(actor, Person.objects.all()).values("pk")
    return PersonLink.objects.filter(Q(person_a__in=visible) | Q(person_b__in=visible))


def review_queue(*, actor, limit: int = 50) -> list[PersonLink]:
    """Links waiting for review that the actor may settle, most likely first."""
    links = (
        _reviewable(actor)
        .filter(status=LinkStatus.REVIEW)
        .select_related("person_a__owning_agency", "person_b__owning_agency")
        .order_by("-probability")[:limit]
    )
    return list(links)


def links_of(*, actor, person: Person) -> list[PersonLink]:
    return list(
        _reviewable(actor)
        .filter(Q(person_a=person) | Q(person_b=person))
        .select_related("person_a__owning_agency", "person_b__owning_agency", "decided_by")
    )


@transaction.atomic
def link_decide(*, actor, link_id: int, confirm: bool) -> PersonLink:
    """A reviewer confirms or rejects a link (rejecting an automatic link undoes it)."""
    link = _reviewable(actor).filter(pk=link_id).first()
    if link is None:
        raise Http404("No such link.")
    link = PersonLink.objects.select_for_update().get(pk=link.pk)
    link.status = LinkStatus.CONFIRMED if confirm else LinkStatus.REJECTED
    link.decided_by, link.decided_at = actor, timezone.now()
    link.updated_by = actor
    link.save()
    audit_record(
        actor=actor,
        action="link_confirm" if confirm else "link_reject",
        obj=link,
        person_id=link.person_a_id,
        reason=f"records {link.person_a_id} and {link.person_b_id}",
    )
    return link

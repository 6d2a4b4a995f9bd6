"""Pages for people."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.accounts.roles import Perm
from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.people import links, selectors
from tandem.people.familiar import active_rules, familiar_faces
from tandem.people.forms import MatchQueryForm
from tandem.plans.selectors import plan_status_for, plans_of_person
from tandem.plans.services import can_write_plans

# Names and birth dates travel in request bodies (POST), never in addresses: an address
# lands in server access logs, proxies and browser history (docs/privacy.md, "Side doors").
PERSONAL_PARAMETERS = {"q", "given_name", "family_name", "date_of_birth", "phone", "address"}


@requires(Perm.VIEW_PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    """Everyone the user may see, a page at a time; a name search comes as a POST."""
    if request.method == "POST":
        query, page = request.POST.get("q", "").strip()[:100], _page(request.POST)
    elif PERSONAL_PARAMETERS & request.GET.keys():
        return _name_in_address(request)
    else:
        query, page = "", page_number(request)
    people = selectors.person_list(
        actor=request.user, query=query, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    return render(
        request,
        "people/person_list.html",
        {
            "people": people[:PAGE_SIZE],
            "q": query,
            "page": page,
            "has_next": len(people) > PAGE_SIZE,
        },
    )


def _page(data) -> int:
    try:
        return max(1, int(data.get("page", "1")))
    except ValueError:
        return 1


def _name_in_address(request: HttpRequest) -> HttpResponse:
    messages.error(
        request,
        "Search with the search box: names are not accepted in a page address, which "
        "would keep them in browser history and server logs.",
    )
    return render(
        request,
        "people/person_list.html",
        {"people": [], "q": "", "page": 1, "has_next": False},
        status=400,
    )


@requires(Perm.VIEW_PEOPLE)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "identifiers": selectors.person_identifiers(actor=request.user, person=person),
            "history": selectors.person_history(actor=request.user, person=person),
            "links": links.links_of(actor=request.user, person=person),
            "can_review_links": request.user.has_perm_in(Perm.WORK_FOLLOWUPS),
            "plans": plans_of_person(actor=request.user, person_id=person.pk),
            "can_start_plans": can_write_plans(request.user),
        },
    )


@requires(Perm.VIEW_PEOPLE)
@require_POST
def match_list(request: HttpRequest) -> HttpResponse:
    """The people already on record who may be the one being entered (an htmx fragment).

    Forms that take a person (call intake, the encounter form) post their name and
    birth-date fields here as they are typed (POST, so no name is in an address); it
    offers each match as a `person_id` choice.
    """
    form = MatchQueryForm(request.POST)
    matches = form.matches(request.user)
    return render(
        request,
        "people/_match_list.html",
        {"matches": matches, "form": form, "chosen": request.POST.get("person_id", "")},
    )


@requires(Perm.WORK_FOLLOWUPS)
def familiar_list(request: HttpRequest) -> HttpResponse:
    faces = familiar_faces(actor=request.user)
    rules = active_rules()
    plans = plan_status_for(actor=request.user, person_ids=[f.person.pk for f in faces])
    for face in faces:
        face.bars = sparkline(face.months)
        face.plan = plans.get(face.person.pk)
    return render(
        request,
        "people/familiar_list.html",
        {
            "faces": faces,
            "can_start_plans": can_write_plans(request.user),
            "rules": rules,
            "windows": sorted({r.days for r in rules}),
        },
    )


def sparkline(values: list[int], *, width: int = 96, height: int = 24) -> list[dict]:
    """Bar geometry for a small inline SVG of contacts per month."""
    top = max(values) or 1
    step = width / len(values)
    return [
        {
            "x": round(i * step + 1, 1),
            "w": round(step - 2, 1),
            "h": round(v / top * (height - 2), 1),
            "y": round(height - v / top * (height - 2), 1),
            "v": v,
        }
        for i, v in enumerate(values)
    ]


@requires(Perm.WORK_FOLLOWUPS)
def link_review(request: HttpRequest) -> HttpResponse:
    """Uncertain pairs from the last linkage run, for a navigator to settle."""
    return render(
        request, "people/link_review.html", {"links": links.review_queue(actor=request.user)}
    )


@require_POST
@requires(Perm.WORK_FOLLOWUPS)
def link_decide(request: HttpRequest, link_id: int) -> HttpResponse:
    decision = request.POST.get("decision")
    if decision not in {"confirm", "reject"}:
        messages.error(request, "decision: expected confirm or reject.")
    else:
        link = links.link_decide(actor=request.user, link_id=link_id, confirm=decision == "confirm")
        messages.success(
            request,
            f"Records {link.person_a_id} and {link.person_b_id}: "
            f"{link.get_status_display().lower()}.",
        )
    return redirect(request.POST.get("next") or "people:link_review")

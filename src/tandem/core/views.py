"""Shared view helpers: permission checks that answer 404, paging."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, JsonResponse

from tandem.accounts.roles import Perm

PAGE_SIZE = 50


def requires(perm: Perm) -> Callable:
    """Log-in required; without the permission the page does not exist (404)."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.has_perm_in(perm):
                raise Http404("No such page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})

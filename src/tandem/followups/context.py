"""Template context: the signed-in user's unread notification count, for the page header."""

from django.http import HttpRequest

from tandem.followups.selectors import notifications_unread


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    # A callable: templates that never show the count (htmx partials) cost no query.
    return {"unread_notifications": lambda: notifications_unread(user)}

"""Background work of follow-ups: reminders, run by the django-tasks database worker
(`tandem db_worker`) at the time a task falls due and 24 h after.

Tasks take ids and call services (nothing else happens here), so a test can run them
synchronously with `followup_reminder.call(...)`.
"""

from django_tasks import task

from tandem.followups import services


@task()
def followup_reminder(followup_id: int, kind: str) -> int:
    """Notify the assignee (and, when overdue, supervisors); returns notifications made."""
    return len(services.followup_remind(followup_id=followup_id, kind=kind))

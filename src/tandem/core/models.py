"""Base records: every row has an owning agency and who created and last changed it."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import models
from django.utils import timezone

_service_write = contextvars.ContextVar("service_write", default=False)


@contextmanager
def service_write() -> Iterator[None]:
    """Mark the block as a service function's write; sensitive models only save inside it."""
    token = _service_write.set(True)
    try:
        yield
    finally:
        _service_write.reset(token)


class RawWriteError(RuntimeError):
    pass


class Record(models.Model):
    owning_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Agency responsible for this record.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank for records written by the system.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)


class SensitiveRecord(Record):
    """A record holding clinical, Part 2 or justice data: it changes only through services.

    Services wrap their writes in `service_write()`, which also places the audit event in
    the same transaction. A raw `save()` elsewhere raises, so no view or script can
    change health data without leaving a trace.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if getattr(self, "_redacted", False):
            raise RawWriteError(f"{type(self).__name__} was redacted for display; refusing save")
        if not _service_write.get():
            raise RawWriteError(f"{type(self).__name__} changes only through its service")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not _service_write.get():
            raise RawWriteError(f"{type(self).__name__} changes only through its service")
        return super().delete(*args, **kwargs)

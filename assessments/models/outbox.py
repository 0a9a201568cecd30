"""Celery tasks that could not be queued because the broker was down or hung (the outbox).

``assessments.outbox.enqueue`` writes a row when publishing fails; the ``flush_outbox`` task
(Celery beat, and after the next successful publish) sends the rows again and deletes each one
the broker took. Tasks are safe to run twice, so a row sent twice does no harm.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("unsent task")
        verbose_name_plural = _("unsent tasks")

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"

"""Personal data (UU PDP 27/2022): who opened which candidate's record, and erasure requests.

See docs/privacy.md for what is kept how long and what an erasure removes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RecordAccess(models.Model):
    """One opening of a candidate's record page, evidence file or document by someone other
    than the candidate. Written with a single INSERT (assessments.services.record_access); never
    changed, deleted only when older than the retention period."""

    class What(models.TextChoices):
        RECORD = "record", _("Record page")
        EVIDENCE = "evidence", _("Evidence file")
        DOCUMENT = "document", _("Document download")

    accessed_at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)
    accessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("candidate"),
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessment"),
    )
    what = models.CharField(_("what"), max_length=16, choices=What.choices)
    # The page or file path (never query strings: no NIK or token ever reaches this table).
    path = models.CharField(_("path"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("record access")
        verbose_name_plural = _("record accesses")
        ordering = ["-accessed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(what__in=["record", "evidence", "document"]),
                name="record_access_what_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.accessed_by_id} → {self.candidate_id} ({self.what})"


class ErasureRequest(models.Model):
    """A candidate asks for their personal data to be erased; an LSP admin carries it out
    (assessments.services.erasure_carry_out), which records what was removed and what was kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the LSP")
        DONE = "done", _("Carried out")

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("candidate"),
    )
    reason = models.TextField(_("reason (optional)"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    # What was removed, what was kept and why: shown to the admin and mailed to the candidate.
    outcome = models.TextField(_("outcome"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"],
                condition=Q(status="pending"),
                name="erasure_one_pending_per_candidate",
            ),
            models.CheckConstraint(
                condition=Q(status="pending")
                | Q(handled_by__isnull=False, handled_at__isnull=False),
                name="erasure_done_has_handler",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} ({self.get_status_display()})"

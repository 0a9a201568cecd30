"""Generated PDF documents: the render requests that track each generation (queued, rendering,
ready, failed) and the tamper-evident archive of what was generated.

The archive has a generic subject (an assessment, an event, a certificate) so that certification
can archive its own documents here without an upward import. An archived document is never
changed or deleted by the application: regenerating adds a version whose ``previous_sha256`` is
the hash of the version before it, so a changed file (``verify_archive``) or a rewritten row (a
broken chain) can both be detected.

The render status lives only on ``RenderRequest`` rows (there is no Celery result backend).
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.core import AssessmentEvent


class ArchiveImmutableError(ValidationError):
    """Raised when something tries to change or delete an archived document."""


def archive_upload_path(instance: "ArchivedDocument", filename: str) -> str:
    """A new, unguessable name for every version: a file in the archive is never overwritten,
    whatever the storage does with an existing name."""
    return (
        f"archive/{instance.document}/{instance.subject_type_id}-{instance.subject_id}/"
        f"v{instance.version}-{uuid.uuid4().hex}.pdf"
    )


class RenderBatch(models.Model):
    """A group of render requests started together, e.g. every candidate's dossier of an event.
    Its progress is counted from its requests, never stored twice."""

    event = models.ForeignKey(
        AssessmentEvent,
        on_delete=models.PROTECT,
        related_name="render_batches",
        verbose_name=_("event"),
    )
    document = models.CharField(_("document"), max_length=32)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    total = models.PositiveIntegerField(_("number of documents"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("render batch")
        verbose_name_plural = _("render batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.document} / {self.event_id} ({self.total})"

    def progress(self) -> dict[str, int]:
        """Counts per status, plus ``done`` (ready or failed) and ``total`` (one query)."""
        counts = dict.fromkeys(RenderRequest.Status.values, 0)
        rows = self.requests.values("status").annotate(n=Count("id")).order_by()
        counts.update({row["status"]: row["n"] for row in rows})
        counts["done"] = counts[RenderRequest.Status.READY] + counts[RenderRequest.Status.FAILED]
        counts["total"] = self.total
        counts["percent"] = round(100 * counts["done"] / self.total) if self.total else 100
        return counts


class RenderRequest(models.Model):
    """One request to generate one document for one subject. The task that renders it takes the
    ``request_id``; a request already ready makes a repeated task a no-op."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    PENDING = (Status.QUEUED, Status.RENDERING)

    request_id = models.UUIDField(_("request id"), default=uuid.uuid4, unique=True, editable=False)
    # Not limited to Form choices: certification registers documents of its own (the dossier,
    # the certificate) in assessments.pdf.registry, which validates the key.
    document = models.CharField(_("document"), max_length=32)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="render_requests",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("reason of failure"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    batch = models.ForeignKey(
        RenderBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("batch"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("render request")
        verbose_name_plural = _("render requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "rendering", "ready", "failed"]),
                name="render_request_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""),
                name="render_request_failure_explained",
            ),
        ]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "document"], name="render_request_subject_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.subject_type_id}-{self.subject_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def archived(self) -> "ArchivedDocument | None":
        """The archived version this request produced (set when ready)."""
        try:
            return self.archive
        except ArchivedDocument.DoesNotExist:
            return None


class ArchivedDocumentQuerySet(models.QuerySet):
    def for_subject(self, subject):
        return self.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )

    # Bulk writes would bypass the model's guards: the archive is append-only.
    def update(self, **kwargs):
        raise ArchiveImmutableError(_("Archived documents cannot be changed."), code="immutable")

    def delete(self):
        raise ArchiveImmutableError(_("Archived documents cannot be deleted."), code="immutable")


class ArchivedDocument(models.Model):
    """One generated version of one document for one subject. Append-only: never updated or
    deleted by the application; its file is never overwritten."""

    document = models.CharField(_("document"), max_length=32)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=archive_upload_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("generated by"),
    )
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    previous_sha256 = models.CharField(
        _("SHA-256 of the previous version"), max_length=64, blank=True
    )
    # One archived version per request: a task delivered twice cannot archive twice.
    request = models.OneToOneField(
        RenderRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archive",
        verbose_name=_("render request"),
    )

    objects = ArchivedDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("archived document")
        verbose_name_plural = _("archived documents")
        ordering = ["document", "subject_type", "subject_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "subject_type", "subject_id", "version"],
                name="archive_version_unique",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="archive_version_positive"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="archive_sha256_hex"
            ),
            # The first version starts the chain; every later one names its predecessor.
            models.CheckConstraint(
                condition=(Q(version=1) & Q(previous_sha256=""))
                | (Q(version__gt=1) & Q(previous_sha256__regex=r"^[0-9a-f]{64}$")),
                name="archive_chain_linked",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="archive_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.subject_type_id}-{self.subject_id} v{self.version}"

    def save(self, *args, **kwargs):
        # Only the first insert is allowed; after that the row is evidence.
        if self.pk is not None or not self._state.adding:
            raise ArchiveImmutableError(
                _("Archived documents cannot be changed."), code="immutable"
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ArchiveImmutableError(_("Archived documents cannot be deleted."), code="immutable")

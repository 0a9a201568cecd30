"""Records of the LSP admin's console: TUK verification checklists and the override of a
declared conflict when placing a candidate with an assessor (ISO/IEC 17024 impartiality)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.models.core import TUK, Assessment


class TUKVerification(models.Model):
    """One verification visit of a TUK: the facilities and equipment checklist (each item
    Ada/Tidak and Sesuai/Tidak) and the conclusion. The latest one sets the TUK's status."""

    class Conclusion(models.TextChoices):
        SESUAI = "sesuai", _("Sesuai")
        BELUM_SESUAI = "belum_sesuai", _("Belum sesuai")

    tuk = models.ForeignKey(
        TUK, on_delete=models.CASCADE, related_name="verifications", verbose_name=_("TUK")
    )
    # [{"group": "facilities"|"equipment", "item": str, "available": bool, "suitable": bool}]
    checklist = models.JSONField(_("checklist"), default=list)
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=Conclusion.choices)
    note = models.TextField(_("note"), blank=True)
    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verifier"),
    )
    verified_on = models.DateField(_("verified on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("TUK verification")
        verbose_name_plural = _("TUK verifications")
        ordering = ["-verified_on", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(conclusion__in=["sesuai", "belum_sesuai"]),
                name="tuk_verification_conclusion_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tuk} {self.verified_on}: {self.get_conclusion_display()}"


class AssignmentOverride(models.Model):
    """A candidate placed with an assessor who declared a conflict with them, approved by an
    admin other than the one who assigned that assessor to the event, with the reason. The
    people named here count as involved in the candidate's certification decision."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        related_name="assignment_overrides",
        verbose_name=_("assessment"),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessor"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessor assigned to the event by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("override approved by"),
    )
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment override")
        verbose_name_plural = _("assignment overrides")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="assignment_override_reason_given"
            ),
            models.CheckConstraint(
                condition=Q(assigned_by__isnull=True) | ~Q(approved_by=F("assigned_by")),
                name="assignment_override_other_admin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} / {self.assessor}: {self.reason[:40]}"

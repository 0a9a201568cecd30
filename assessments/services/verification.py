"""The LSP admin's verification of FR.APL.01: documents Ada/Memenuhi, payment, Diterima."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    Assessment,
    DocumentKind,
)
from assessments.services import transitions
from assessments.services.application import (
    S,
    _lock,
)

__all__ = [
    "application_accept",
    "application_check_documents",
    "application_confirm_payment",
]


def _admin(actor) -> None:
    if not actor.is_lsp_admin:
        raise PermissionDenied(_("Only an LSP admin can verify applications."))


@transaction.atomic
def application_check_documents(
    *, assessment_id: int, actor, checks: dict[int, tuple[bool, bool]]
) -> int:
    """Record Ada/Tidak and Memenuhi/Tidak memenuhi for the current documents."""
    _admin(actor)
    assessment = _lock(assessment_id)
    if assessment.state != S.SUBMITTED:
        raise ValidationError(_("Only a submitted application is verified."), code="wrong_state")
    now = timezone.now()
    documents = {d.pk: d for d in assessment.documents.filter(replaced_at__isnull=True)}
    for pk, (present, meets) in checks.items():
        document = documents.get(int(pk))
        if document is None:
            raise ValidationError(_("Unknown document."), code="document")
        document.present, document.meets = present, meets and present
        document.checked_by, document.checked_at = actor, now
        document.save(update_fields=["present", "meets", "checked_by", "checked_at"])
    return len(checks)


@transaction.atomic
def application_confirm_payment(*, assessment_id: int, actor) -> Assessment:
    _admin(actor)
    assessment = _lock(assessment_id)
    if not assessment.documents.filter(
        kind=DocumentKind.PAYMENT, replaced_at__isnull=True
    ).exists():
        raise ValidationError(_("There is no proof of payment to confirm."), code="no_payment")
    assessment.payment_confirmed_at, assessment.payment_confirmed_by = timezone.now(), actor
    assessment._change_reason = "payment confirmed"
    assessment._history_user = actor
    assessment.save(update_fields=["payment_confirmed_at", "payment_confirmed_by"])
    return assessment


@transaction.atomic
def application_accept(*, assessment_id: int, actor, note: str = "") -> Assessment:
    """APL.01 Diterima: every current document checked present and meeting the requirement,
    and the payment confirmed where the scheme has a fee."""
    _admin(actor)
    assessment = _lock(assessment_id)
    documents = list(assessment.documents.filter(replaced_at__isnull=True))
    if any(not (d.present and d.meets) for d in documents):
        raise ValidationError(
            _("Every document must be checked as present and meeting the requirement first."),
            code="documents_unchecked",
        )
    if assessment.scheme_version.fee and assessment.payment_confirmed_at is None:
        raise ValidationError(_("Confirm the payment first."), code="payment_unconfirmed")
    return transitions.assessment_accept(assessment_id=assessment_id, actor=actor, note=note)

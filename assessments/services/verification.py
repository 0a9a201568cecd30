"""The LSP admin's verification of FR.APL.01: documents Ada/Memenuhi, payment, and the decision
(Diterima, Tidak diterima, or returned for revision naming the sections to fix)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    ApplicationDocument,
    Assessment,
    DocumentKind,
)
from assessments.services import transitions
from assessments.services.application import (
    RETURN_SECTIONS,
    S,
    _lock,
    required_document_kinds,
)

__all__ = [
    "PAYMENT_CONFIRMED_REASON",
    "application_accept",
    "application_check_documents",
    "application_confirm_payment",
    "application_reject",
    "application_return",
    "payment_confirmed",
]


# The history row's change reason, which the verification page's history also reads.
PAYMENT_CONFIRMED_REASON = "payment confirmed"


def _admin(actor) -> None:
    if not actor.is_lsp_admin:
        raise PermissionDenied(_("Only an LSP admin can verify applications."))


def _submitted(assessment: Assessment) -> None:
    if assessment.state != S.SUBMITTED:
        raise transitions.TransitionRefused(
            _("Only a submitted application is verified (this one is %(state)s)."),
            params={"state": assessment.get_state_display()},
            code="wrong_state",
        )


def payment_confirmed(assessment: Assessment, proof: ApplicationDocument | None) -> bool:
    """Whether ``proof`` (the current proof of payment) is the one the admin confirmed.

    A confirmation happens only while the application is submitted and a new proof can only be
    uploaded after it was returned, so a proof uploaded after the confirmation time is a new one
    that nobody has confirmed yet.
    """
    return (
        proof is not None
        and assessment.payment_confirmed_at is not None
        and assessment.payment_confirmed_at >= proof.uploaded_at
    )


def _current_proof(assessment: Assessment) -> ApplicationDocument | None:
    return (
        assessment.documents.filter(kind=DocumentKind.PAYMENT, replaced_at__isnull=True)
        .order_by("-uploaded_at")
        .first()
    )


@transaction.atomic
def application_check_documents(
    *, assessment_id: int, actor, checks: dict[int, tuple[bool, bool]]
) -> int:
    """Record Ada/Tidak and Memenuhi/Tidak memenuhi for current documents of a submitted
    application (``checks``: document id -> (present, meets)). A document not present never
    meets the requirement. Returns how many documents were checked."""
    _admin(actor)
    assessment = _lock(assessment_id)
    _submitted(assessment)
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
    """Confirm the current proof of payment of a submitted application whose scheme has a fee
    (no payment gateway: the admin compares it with the bank statement). Audited."""
    _admin(actor)
    assessment = _lock(assessment_id)
    _submitted(assessment)
    if not assessment.scheme_version.fee:
        raise ValidationError(_("This scheme has no fee to confirm."), code="no_fee")
    proof = _current_proof(assessment)
    if proof is None:
        raise ValidationError(_("There is no proof of payment to confirm."), code="no_payment")
    if payment_confirmed(assessment, proof):
        raise ValidationError(_("The payment is already confirmed."), code="already_confirmed")
    assessment.payment_confirmed_at, assessment.payment_confirmed_by = timezone.now(), actor
    assessment._change_reason = PAYMENT_CONFIRMED_REASON
    assessment._history_user = actor
    assessment.save(update_fields=["payment_confirmed_at", "payment_confirmed_by"])
    return assessment


@transaction.atomic
def application_accept(*, assessment_id: int, actor, note: str = "") -> Assessment:
    """APL.01 Diterima. Preconditions: the application is submitted; every current document has
    been checked; every required document is present and meets the requirement; the current
    proof of payment is confirmed where the scheme has a fee. Notifies the candidate."""
    _admin(actor)
    assessment = _lock(assessment_id)
    _submitted(assessment)
    # The proof of payment is verified by the payment confirmation below, not by the checks.
    documents = [
        d
        for d in assessment.documents.filter(replaced_at__isnull=True)
        if d.kind != DocumentKind.PAYMENT
    ]
    required = set(required_document_kinds(assessment)) - {DocumentKind.PAYMENT}
    if (
        any(d.checked_at is None for d in documents)
        or any(not (d.present and d.meets) for d in documents if d.kind in required)
        or not required <= {d.kind for d in documents}
    ):
        raise ValidationError(
            _("Every document must be checked as present and meeting the requirement first."),
            code="documents_unchecked",
        )
    if assessment.scheme_version.fee and not payment_confirmed(
        assessment, _current_proof(assessment)
    ):
        raise ValidationError(_("Confirm the payment first."), code="payment_unconfirmed")
    return transitions.assessment_accept(assessment_id=assessment_id, actor=actor, note=note)


@transaction.atomic
def application_reject(*, assessment_id: int, actor, note: str) -> Assessment:
    """APL.01 Tidak diterima, with the reason the candidate reads. Notifies the candidate."""
    _admin(actor)
    if not note.strip():
        raise ValidationError(_("Say why the application is not accepted."), code="note_required")
    return transitions.assessment_reject(
        assessment_id=assessment_id, actor=actor, note=note.strip()
    )


@transaction.atomic
def application_return(*, assessment_id: int, actor, note: str, sections: list[str]) -> Assessment:
    """Return a submitted application for revision, naming the sections to fix (keys of
    RETURN_SECTIONS) and what to change. The candidate is notified, edits and submits again."""
    _admin(actor)
    if not sections:
        raise ValidationError(_("Name at least one section to revise."), code="sections_required")
    unknown = set(sections) - set(RETURN_SECTIONS)
    if unknown:
        raise ValidationError(_("Unknown section to revise."), code="sections_unknown")
    assessment = _lock(assessment_id)
    _submitted(assessment)
    # In the order of the form, whatever order the sections came in.
    ordered = [key for key in RETURN_SECTIONS if key in sections]
    return transitions.assessment_return(
        assessment_id=assessment_id, actor=actor, note=note.strip(), sections=ordered
    )

"""The candidate's part once the application is in: withdrawal, FR.AK.01 consent, FR.AK.03
feedback, answering evidence requests, notifications and the appeal window."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import (
    AK03_ITEMS,
    Assessment,
    CandidateFeedback,
    ConsentTerms,
    EvidenceRequest,
    Form,
    Signature,
)
from assessments.services import transitions
from assessments.services.application import (
    CANDIDATE_WITHDRAW_STATES,
    CONSENT_STATES,
    FEEDBACK_STATES,
    S,
    _lock,
    _own,
)

__all__ = [
    "appeal_deadline",
    "appeal_window_open",
    "application_withdraw",
    "consent_sign",
    "evidence_request_answer",
    "evidence_request_create",
    "feedback_submit",
    "notification_mark_read",
]


@transaction.atomic
def application_withdraw(*, assessment_id: int, actor, reason: str) -> Assessment:
    """The candidate withdraws before the assessment starts (admins may withdraw later, until
    the record is reported). Notifies the candidate and any assigned assessor after commit."""
    assessment = _lock(assessment_id)
    if not actor.is_lsp_admin:
        _own(assessment, actor)
        if assessment.state in Assessment.TERMINAL_STATES:
            raise ValidationError(
                _("This application is already closed (it is %(state)s)."),
                params={"state": assessment.get_state_display()},
                code="closed",
            )
        if assessment.state not in CANDIDATE_WITHDRAW_STATES:
            raise ValidationError(
                _("The assessment has started; ask the LSP to withdraw it."), code="started"
            )
    assessment = transitions.assessment_withdraw(
        assessment_id=assessment_id, actor=actor, reason=reason
    )
    # Whoever withdrew, the candidate gets the record of it (an admin may act for them), and an
    # assigned assessor stops expecting the candidate at the event.
    transitions.notify(
        recipient=assessment.candidate,
        title=gettext_lazy("Your application was withdrawn"),
        body=reason.strip(),
        url=reverse("assessments:application", args=[assessment.pk]),
    )
    if assessment.assessor_id:
        transitions.notify(
            recipient=assessment.assessor,
            title=gettext_lazy("A candidate withdrew from your assessment"),
            body=assessment.candidate.full_name,
        )
    return assessment


def _normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


@transaction.atomic
def consent_sign(
    *, assessment_id: int, actor, typed_name: str, agreed: bool, ip_address: str | None = None
) -> Signature:
    """FR.AK.01: the candidate signs first (scheduled or cleared), then the assigned assessor."""
    assessment = _lock(assessment_id)
    if actor.pk == assessment.candidate_id:
        role = Signature.Role.CANDIDATE
        if assessment.state not in CONSENT_STATES:
            raise ValidationError(
                _("Consent is given once the assessment is scheduled."), code="wrong_state"
            )
    elif actor.pk == assessment.assessor_id and actor.is_assessor:
        role = Signature.Role.ASSESSOR
        # The assessor signs only while they may act on this candidate (licence, scope, no
        # conflict) and after declaring impartiality, like every other assessor duty.
        from assessments.models import ImpartialityDeclaration
        from assessments.services.assessor import assessor_refusal

        refusal = assessor_refusal(assessor=actor, assessment=assessment)
        if refusal:
            raise PermissionDenied(refusal)
        if not ImpartialityDeclaration.objects.filter(
            assessor_id=actor.pk, assessment=assessment
        ).exists():
            raise ValidationError(
                _("Declare impartiality for this event before working on its candidates."),
                code="impartiality_missing",
            )
        if not _signatures(assessment).filter(role=Signature.Role.CANDIDATE).exists():
            raise ValidationError(_("The candidate signs FR.AK.01 first."), code="order")
        if assessment.state not in CONSENT_STATES:
            raise ValidationError(_("FR.AK.01 cannot be signed now."), code="wrong_state")
    else:
        raise PermissionDenied(_("Only the candidate and the assigned assessor sign FR.AK.01."))
    if not agreed:
        raise ValidationError(_("Tick the box to agree to the statements."), code="not_agreed")
    if _normalise_name(typed_name) != _normalise_name(actor.full_name):
        raise ValidationError(
            _("Type your full name exactly as registered: %(name)s."),
            params={"name": actor.full_name},
            code="name_mismatch",
        )
    if _signatures(assessment).filter(signer=actor, role=role).exists():
        raise ValidationError(_("You have already signed."), code="already_signed")
    ConsentTerms.objects.get_or_create(
        assessment=assessment, defaults={"methods": list(ConsentTerms.DEFAULT_METHODS)}
    )
    from django.contrib.contenttypes.models import ContentType

    signature = Signature.objects.create(
        signer=actor,
        role=role,
        typed_name=typed_name.strip(),
        ip_address=ip_address,
        document=Form.AK01,
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
    )
    if role == Signature.Role.CANDIDATE and assessment.assessor_id:
        # The assessor countersigns after the candidate: tell them it is their turn.
        transitions.notify(
            recipient=assessment.assessor,
            title=gettext_lazy("A candidate signed FR.AK.01; your signature is next"),
            body=actor.full_name,
        )
    return signature


def _signatures(assessment: Assessment):
    from django.contrib.contenttypes.models import ContentType

    return Signature.objects.filter(
        document=Form.AK01,
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
    )


@transaction.atomic
def feedback_submit(
    *, assessment_id: int, actor, answers: list[bool], comments: list[str], notes: str = ""
) -> CandidateFeedback:
    """FR.AK.03, once, by the candidate after the assessor's recommendation."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    if assessment.state not in FEEDBACK_STATES:
        raise ValidationError(
            _("Feedback opens once the assessor has given the result."), code="wrong_state"
        )
    # Strictly booleans: bool("no") is True, so a caller passing the raw POST strings would
    # silently record "Ya" for every "Tidak".
    if len(answers) != len(AK03_ITEMS) or not all(isinstance(a, bool) for a in answers):
        raise ValidationError(
            _("Answer all %(n)s statements."), params={"n": len(AK03_ITEMS)}, code="answers"
        )
    if CandidateFeedback.objects.filter(assessment=assessment).exists():
        raise ValidationError(_("You have already sent your feedback."), code="already_sent")
    return CandidateFeedback.objects.create(
        assessment=assessment,
        answers=list(answers),
        comments=[(c or "").strip() for c in comments][: len(AK03_ITEMS)],
        notes=notes.strip(),
    )


@transaction.atomic
def evidence_request_create(
    *, assessment_id: int, actor, what: str, due_date: datetime.date
) -> EvidenceRequest:
    """The assigned assessor asks the candidate for more evidence (the candidate is notified)."""
    assessment = _lock(assessment_id)
    if assessment.assessor_id != actor.pk or not actor.is_assessor:
        raise PermissionDenied(_("Only the assigned assessor can request evidence."))
    from assessments.services.assessor import assessor_refusal

    refusal = assessor_refusal(assessor=actor, assessment=assessment)
    if refusal:
        raise PermissionDenied(refusal)
    if assessment.state not in (S.CLEARED, S.PREPARED, S.IN_PROGRESS, S.REOPENED):
        raise ValidationError(_("Evidence cannot be requested now."), code="wrong_state")
    if not what.strip():
        raise ValidationError(_("Say what evidence is missing."), code="what")
    if due_date < timezone.localdate():
        raise ValidationError(_("The due date is in the past."), code="due_date")
    request = EvidenceRequest.objects.create(
        assessment=assessment, requested_by=actor, what=what.strip(), due_date=due_date
    )
    # The body is read by the candidate: write its label in their language, not the assessor's.
    with translation.override(assessment.candidate.language or settings.LANGUAGE_CODE):
        body = f"{request.what}\n{_('Due date')}: {due_date:%d-%m-%Y}"
    transitions.notify(
        recipient=assessment.candidate,
        title=gettext_lazy("The assessor asks for more evidence"),
        body=body,
        url=reverse("assessments:evidence", args=[assessment.pk]),
    )
    return request


@transaction.atomic
def evidence_request_answer(*, request_id: int, actor, note: str = "") -> EvidenceRequest:
    request = (
        EvidenceRequest.objects.select_for_update().select_related("assessment").get(pk=request_id)
    )
    _own(request.assessment, actor)
    if not request.is_open:
        raise ValidationError(_("This request is already answered."), code="answered")
    if not request.evidence.exists():
        raise ValidationError(
            _("Upload at least one file for this request first."), code="no_evidence"
        )
    request.answered_at, request.answer_note = timezone.now(), note.strip()
    request.save(update_fields=["answered_at", "answer_note"])
    if request.assessment.assessor_id:
        transitions.notify(
            recipient=request.assessment.assessor,
            title=gettext_lazy("A candidate answered your evidence request"),
            body=request.what,
        )
    return request


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the user's notifications read."""
    from assessments.models import Notification

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def appeal_deadline(assessment: Assessment) -> datetime.datetime | None:
    """The last moment the candidate may appeal (FR.AK.04): the decision plus the window."""
    if assessment.state != S.DECIDED:
        return None
    return assessment.state_changed_at + datetime.timedelta(
        days=settings.KOMPETEN_APPEAL_WINDOW_DAYS
    )


def appeal_window_open(assessment: Assessment) -> bool:
    """Whether the candidate may still appeal (FR.AK.04), counted from the decision."""
    deadline = appeal_deadline(assessment)
    return deadline is not None and timezone.now() <= deadline

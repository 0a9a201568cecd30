"""Personal data (UU PDP 27/2022): who sees a NIK or phone in full, the access log, its
retention, and carrying out a candidate's erasure request. docs/privacy.md is the policy."""

import datetime
import logging
import posixpath
import re

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import (
    ApplicationDocument,
    ArchivedDocument,
    Assessment,
    CandidateProfile,
    ErasureRequest,
    Evidence,
    Notification,
    RecordAccess,
)
from assessments.services import transitions

__all__ = [
    "erasure_carry_out",
    "erasure_request_create",
    "mask_nik",
    "mask_phone",
    "record_access",
    "record_access_purge",
    "sees_personal_data",
]

logger = logging.getLogger(__name__)

S = Assessment.State
# Contact data an erasure clears from a profile that must stay (a kept certification record):
# none of it is part of what BNSP or ISO/IEC 17024 require the LSP to keep.
CONTACT_FIELDS = ("address", "postal_code", "phone", "job_address", "job_phone", "job_email")
ERASED_EMAIL_DOMAIN = "erased.invalid"


# --- who sees what -------------------------------------------------------------------------------


def sees_personal_data(user, candidate_id: int | None = None) -> bool:
    """The one rule for a candidate's NIK and phone: shown in full to the candidate themselves
    and to LSP admins (identity check at verification, the BNSP export); masked for everyone
    else (assessors, decision makers, appeal handlers)."""
    if getattr(user, "is_lsp_admin", False):
        return True
    return candidate_id is not None and getattr(user, "pk", None) == candidate_id


def mask_nik(nik: str) -> str:
    """3201********0001: the region code and the serial, enough to tell two people apart."""
    if len(nik) <= 8:
        return "*" * len(nik)
    return f"{nik[:4]}{'*' * (len(nik) - 8)}{nik[-4:]}"


def mask_phone(phone: str) -> str:
    """0812****789: the operator prefix and the last three digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:4]}{'*' * (len(digits) - 7)}{digits[-3:]}"


# --- access log ----------------------------------------------------------------------------------


def record_access(
    request: HttpRequest, assessment: Assessment, what: str = RecordAccess.What.RECORD
) -> None:
    """Log that the signed-in user opened the record page, an evidence file or a document of
    ``assessment``'s candidate (one INSERT). The candidate opening their own record is not
    logged. Call it after the view has authorised the user, so that the log holds openings,
    not refusals."""
    user = request.user
    if not user.is_authenticated or user.pk == assessment.candidate_id:
        return
    RecordAccess.objects.create(
        accessed_by_id=user.pk,
        candidate_id=assessment.candidate_id,
        assessment_id=assessment.pk,
        what=what,
        path=request.path[:200],
        ip_address=get_client_ip_address(request),
    )


def record_access_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete access log rows older than KOMPETEN_ACCESS_LOG_RETENTION_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=settings.KOMPETEN_ACCESS_LOG_RETENTION_DAYS
    )
    deleted, _by_model = RecordAccess.objects.filter(accessed_at__lt=cutoff).delete()
    return deleted


# --- erasure -------------------------------------------------------------------------------------


@transaction.atomic
def erasure_request_create(*, candidate, reason: str = "") -> ErasureRequest:
    """The candidate asks for their personal data to be erased. One open request at a time."""
    if not getattr(candidate, "is_candidate", False):
        raise PermissionDenied(_("Only a candidate can ask for their data to be erased."))
    if ErasureRequest.objects.filter(
        candidate=candidate, status=ErasureRequest.Status.PENDING
    ).exists():
        raise ValidationError(
            _("You already asked; the LSP will carry out your request."), code="pending"
        )
    return ErasureRequest.objects.create(candidate=candidate, reason=reason.strip())


def _was_submitted(assessment: Assessment) -> bool:
    """Whether the application ever left the draft: ``submitted_at`` is set by the first
    submission and never cleared, and every state but draft and withdrawn lies past one."""
    return assessment.submitted_at is not None or assessment.state not in (S.DRAFT, S.WITHDRAWN)


def _outcome_text(*, removed: list[str], kept: list[str]) -> str:
    lines = [_("Removed:")] + [f"- {item}" for item in removed]
    if kept:
        lines += ["", _("Kept, and why:")] + [f"- {item}" for item in kept]
    return "\n".join(lines)


@transaction.atomic
def erasure_carry_out(*, request_id: int, actor) -> ErasureRequest:
    """Carry out a pending erasure request (LSP admins only).

    Refused while the candidate has an application between submission and decision (withdraw
    it or let it be decided first). Then: draft applications are withdrawn, and the documents
    and evidence of every application never submitted (drafts, and those withdrawn as drafts)
    are deleted (files after commit; a file that cannot be deleted is logged, not retried);
    contact data is cleared from the profile, or the whole profile (NIK included) is deleted
    when no application was ever submitted; the account's email and name are replaced by a
    pseudonym, its password made unusable and the account disabled; the candidate's
    notifications are deleted. Submitted applications, decisions, certificates and archived
    documents (those of drafts too: the archive is append-only) are kept, and the outcome says
    so (docs/privacy.md says how long). The outcome is stored on the request and mailed to the
    candidate's former address after commit."""
    if not getattr(actor, "is_lsp_admin", False):
        raise PermissionDenied(_("Only an LSP admin can carry out an erasure request."))
    erasure = (
        ErasureRequest.objects.select_for_update().select_related("candidate").get(pk=request_id)
    )
    if erasure.status != ErasureRequest.Status.PENDING:
        raise ValidationError(_("This request was already carried out."), code="done")
    candidate = erasure.candidate
    assessments = list(Assessment.objects.select_for_update().filter(candidate=candidate))
    in_progress = [a for a in assessments if a.state not in (S.DRAFT, *Assessment.TERMINAL_STATES)]
    if in_progress:
        raise ValidationError(
            _(
                "The candidate has an application in progress (%(scheme)s): withdraw it or let "
                "it be decided before carrying out the erasure."
            )
            % {"scheme": in_progress[0].scheme_version.title},
            code="in_progress",
        )
    drafts = [a for a in assessments if a.state == S.DRAFT]
    kept_records = [a for a in assessments if _was_submitted(a)]
    unsubmitted = [a for a in assessments if not _was_submitted(a)]
    # Generated documents of unsubmitted applications stay in the append-only archive: the
    # outcome must say so rather than claim the application is gone with everything in it.
    archived_unsubmitted = ArchivedDocument.objects.filter(
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id__in=[a.pk for a in unsubmitted],
    ).count()
    language = getattr(candidate, "language", None) or settings.LANGUAGE_CODE
    former_email = candidate.email

    files = []
    for model in (Evidence, ApplicationDocument):
        rows = model.objects.filter(assessment__in=unsubmitted)
        files += [row.file for row in rows]
        if model is Evidence:
            # A superseded item points at its successor (PROTECT): unlink before deleting.
            rows.update(superseded_by=None)
        rows.delete()
    for draft in drafts:
        transitions.assessment_withdraw(
            assessment_id=draft.pk, actor=actor, reason="erasure request"
        )

    profile = CandidateProfile.objects.filter(user=candidate).first()
    if profile is not None and kept_records:
        for field in CONTACT_FIELDS:
            setattr(profile, field, "")
        profile.save(update_fields=[*CONTACT_FIELDS, "updated_at"])
    elif profile is not None:
        profile.delete()

    candidate.email = f"erased-{candidate.pk}@{ERASED_EMAIL_DOMAIN}"
    candidate.full_name = f"Erased candidate #{candidate.pk}"
    candidate.is_active = False
    candidate.set_unusable_password()
    candidate.save(update_fields=["email", "full_name", "is_active", "password"])
    Notification.objects.filter(recipient=candidate).delete()

    with translation.override(language):
        removed = [
            _("your email address and name on your account (the account is closed)"),
            _("your notifications"),
        ]
        if unsubmitted:
            removed.append(
                _("%(count)s unsubmitted application(s) with their documents and evidence")
                % {"count": len(unsubmitted)}
            )
        kept = []
        if archived_unsubmitted:
            kept.append(
                _(
                    "%(count)s document(s) generated from your unsubmitted application(s), in "
                    "the LSP's document archive: archived documents are never changed or "
                    "deleted, so that every version the LSP produced stays verifiable."
                )
                % {"count": archived_unsubmitted}
            )
        if kept_records:
            removed.append(_("your address, phone numbers and office contact details"))
            kept.append(
                _(
                    "your identity (name as certified, NIK, date and place of birth) and the "
                    "record of %(count)s submitted application(s): assessment records, "
                    "decisions, certificates and their archived documents. An LSP must keep "
                    "them for at least one certificate cycle after the last one ends "
                    "(ISO/IEC 17024 and BNSP rules), so that certificates can be verified and "
                    "appeals judged; they are deleted when that period ends."
                )
                % {"count": len(kept_records)}
            )
        elif profile is not None:
            removed.append(_("your personal data (FR.APL.01), including your NIK"))
        kept.append(
            _(
                "the log of who opened your record, for its own retention period, as proof "
                "that your data was handled lawfully."
            )
        )
        outcome = _outcome_text(removed=removed, kept=kept)
        subject = _("Your personal data erasure request was carried out")

    erasure.status = ErasureRequest.Status.DONE
    erasure.handled_by = actor
    erasure.handled_at = timezone.now()
    erasure.outcome = outcome
    erasure._change_reason = "erasure carried out"
    erasure.save(update_fields=["status", "handled_by", "handled_at", "outcome"])

    def after_commit() -> None:
        for stored in files:
            try:
                stored.storage.delete(stored.name)
            except OSError as exc:
                # The row is gone: the file is an orphan for the operator, not a reason to
                # leave the other files or the candidate's mail undone. The folder locates it;
                # the file name (often the person's own, e.g. "KTP Budi.pdf") and a traceback
                # repeating it stay out of the log.
                logger.warning(
                    "Could not delete a file in %s/ for erasure request %s: %s",
                    posixpath.dirname(stored.name),
                    erasure.pk,
                    exc.strerror or type(exc).__name__,
                )
        try:
            send_mail(subject, outcome, None, [former_email])
        except OSError:
            # The outcome stays on the request for the admin to pass on.
            logger.warning("Could not mail the erasure outcome of request %s", erasure.pk)

    transaction.on_commit(after_commit)
    return erasure

"""The candidate's application (FR.APL.01 + FR.APL.02), evidence, consent (FR.AK.01) and feedback
(FR.AK.03), and the LSP admin's verification of it. The views call these; the bare transitions in
``transitions.py`` stay the one place a state changes."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.fields import nik_lookup_hash
from assessments.models import (
    ApplicationDocument,
    Assessment,
    AssessmentEvent,
    CandidateProfile,
    DocumentKind,
    Evidence,
    EvidenceRequest,
    SelfAssessment,
)
from assessments.services import transitions
from assessments.uploads import DOCUMENT_EXTENSIONS, EVIDENCE_EXTENSIONS, check_upload

__all__ = [
    "CANDIDATE_WITHDRAW_STATES",
    "CHECKLIST_SECTIONS",
    "CONSENT_STATES",
    "EDITABLE_STATES",
    "FEEDBACK_STATES",
    "PROFILE_FIELDS",
    "REQUEST_ANSWER_STATES",
    "RETURN_SECTIONS",
    "application_checklist",
    "application_problems",
    "application_start",
    "application_submit",
    "application_update",
    "candidate_profile_save",
    "document_upload",
    "evidence_delete",
    "evidence_upload",
    "profile_birth_date_problem",
    "required_document_kinds",
    "self_assessment_save",
]

S = Assessment.State
# The candidate edits the application only while it is a draft or returned for revision.
EDITABLE_STATES = (S.DRAFT, S.RETURNED)
# Before the assessment itself starts the candidate may withdraw on their own.
CANDIDATE_WITHDRAW_STATES = (
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.ACCEPTED,
    S.SCHEDULED,
    S.CLEARED,
    S.PREPARED,
)
CONSENT_STATES = (S.SCHEDULED, S.CLEARED)
# An assessor's evidence request is answered while the assessment is being prepared or run (the
# states in which evidence_request_create accepts a request).
REQUEST_ANSWER_STATES = (S.CLEARED, S.PREPARED, S.IN_PROGRESS, S.REOPENED)
FEEDBACK_STATES = (S.RECOMMENDED, S.REPORTED, S.DECIDED)
RETURN_SECTIONS = {
    "apl01": gettext_lazy("FR.APL.01 application and personal data"),
    "documents": gettext_lazy("Required documents"),
    "payment": gettext_lazy("Proof of payment"),
    "apl02": gettext_lazy("FR.APL.02 self-assessment"),
    "evidence": gettext_lazy("Portfolio evidence"),
}


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """A refusal that belongs to one form field (the pages show it next to that field). The
    code is kept on the inner error, as Django does, and on the outer one for callers that
    branch on ``exc.code``."""
    error = ValidationError({field: ValidationError(message, code=code)})
    error.code = code
    return error


def _own(assessment: Assessment, actor) -> None:
    if assessment.candidate_id != actor.pk:
        raise PermissionDenied(_("This application belongs to someone else."))


def _editable(assessment: Assessment) -> None:
    if assessment.state not in EDITABLE_STATES:
        raise ValidationError(
            _("The application can no longer be changed (it is %(state)s)."),
            params={"state": assessment.get_state_display()},
            code="not_editable",
        )


def _lock(assessment_id: int) -> Assessment:
    return (
        Assessment.objects.select_for_update()
        .select_related("scheme_version")
        .get(pk=assessment_id)
    )


# What the candidate fills in on FR.APL.01 part 1; anything else in ``data`` is ignored, so that a
# form can never set the user or another protected field.
PROFILE_FIELDS = (
    "nik",
    "birth_place",
    "birth_date",
    "sex",
    "nationality",
    "address",
    "postal_code",
    "phone",
    "education",
    "institution",
    "position",
    "job_address",
    "job_phone",
    "job_email",
)
# A candidate is a worker, a vocational student or a trainee: younger than 15 or older than 100
# is a typing error in the date of birth, not a real applicant.
MIN_CANDIDATE_AGE = 15
MAX_CANDIDATE_AGE = 100


def profile_birth_date_problem(birth_date: datetime.date | None) -> str:
    """Why a date of birth is implausible ("" when it is fine)."""
    if birth_date is None:
        return ""
    today = timezone.localdate()
    if birth_date >= today:
        return _("The date of birth must be in the past.")
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    if age < MIN_CANDIDATE_AGE:
        return _("A candidate must be at least %(age)s years old.") % {"age": MIN_CANDIDATE_AGE}
    if age > MAX_CANDIDATE_AGE:
        return _("Check the year of birth.")
    return ""


@transaction.atomic
def candidate_profile_save(*, user, data: dict) -> CandidateProfile:
    """Create or update the candidate's FR.APL.01 personal and job data (validated).

    Only ``PROFILE_FIELDS`` are taken from ``data``. Saving a profile makes the user a
    candidate."""
    profile = CandidateProfile.objects.select_for_update().filter(
        user=user
    ).first() or CandidateProfile(user=user)
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(profile, field, data[field])
    problem = profile_birth_date_problem(profile.birth_date)
    if problem:
        raise _field_error("birth_date", problem, "birth_date")
    # The NIK is encrypted (a different ciphertext each save): its keyed hash finds a duplicate.
    nik_hash = nik_lookup_hash(profile.nik or "")
    if CandidateProfile.objects.filter(nik_hash=nik_hash).exclude(pk=profile.pk).exists():
        raise _field_error(
            "nik", _("This NIK is already registered to another account."), "nik_taken"
        )
    profile.full_clean()
    profile.save()
    if not user.is_candidate:
        user.is_candidate = True
        user.save(update_fields=["is_candidate"])
    return profile


def _take_event_place(*, event_id: int, scheme_version_id: int, assessment_id: int | None):
    """Lock the event row so that two candidates taking the last place at once never overfill
    it: the second waits for the first to commit, then counts again."""
    event = AssessmentEvent.objects.select_for_update().get(pk=event_id)
    if event.scheme_version_id != scheme_version_id:
        raise ValidationError(_("This event is for another scheme."), code="wrong_scheme")
    if event.status != AssessmentEvent.Status.OPEN or event.starts_at <= timezone.now():
        raise ValidationError(_("This event is not open for registration."), code="event_closed")
    taken = event.assessments.exclude(state__in=Assessment.TERMINAL_STATES)
    if assessment_id:
        taken = taken.exclude(pk=assessment_id)
    if taken.count() >= event.quota:
        raise ValidationError(_("This event is full. Choose another date."), code="event_full")
    return event


def _purpose(purpose: str, purpose_other: str) -> tuple[str, str]:
    if purpose not in Assessment.Purpose.values:
        raise _field_error("purpose", _("Choose the purpose of the assessment."), "purpose")
    if purpose != Assessment.Purpose.OTHER:
        return purpose, ""
    if not purpose_other.strip():
        raise _field_error(
            "purpose_other", _("Name the purpose of the assessment."), "purpose_other"
        )
    return purpose, purpose_other.strip()


def _previous(*, candidate, purpose: str, previous_id: int | None) -> Assessment | None:
    """Sertifikasi Ulang names the candidate's own earlier decided assessment."""
    if purpose != Assessment.Purpose.RECERTIFICATION:
        return None
    previous = Assessment.objects.filter(
        pk=previous_id, candidate=candidate, state=S.DECIDED
    ).first()
    if previous is None:
        raise _field_error(
            "previous", _("Choose the earlier certification you are renewing."), "previous_required"
        )
    return previous


@transaction.atomic
def application_start(
    *,
    candidate,
    scheme_version,
    purpose: str,
    purpose_other: str = "",
    event_id: int | None = None,
    previous_id: int | None = None,
) -> Assessment:
    """Open a draft application; optionally take a place in an open event of that scheme.

    Sertifikasi Ulang names the candidate's earlier decided assessment. Refuses: no profile yet,
    an unknown purpose, Lainnya without a name, a second open application for the version
    (``transitions.assessment_create``), and an event that is of another scheme, not open, already
    started or full (the event row is locked while its places are counted)."""
    if not CandidateProfile.objects.filter(user=candidate).exists():
        raise ValidationError(_("Complete your profile before applying."), code="no_profile")
    purpose, purpose_other = _purpose(purpose, purpose_other)
    previous = _previous(candidate=candidate, purpose=purpose, previous_id=previous_id)
    if event_id:
        _take_event_place(
            event_id=event_id, scheme_version_id=scheme_version.pk, assessment_id=None
        )
    assessment = transitions.assessment_create(
        candidate=candidate,
        scheme_version=scheme_version,
        purpose=purpose,
        purpose_other=purpose_other,
        previous=previous,
        actor=candidate,
    )
    if event_id:
        assessment.event_id = event_id
        assessment._change_reason = "event chosen by candidate"
        assessment._history_user = candidate
        assessment.save(update_fields=["event"])
    return assessment


@transaction.atomic
def application_update(
    *,
    assessment_id: int,
    actor,
    purpose: str,
    purpose_other: str = "",
    event_id: int | None = None,
    previous_id: int | None = None,
) -> Assessment:
    """Change the purpose (and earlier certification) and the chosen event of an editable
    application. A newly chosen event must have a free place; keeping the current one always
    works, and leaving an event frees its place."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    _editable(assessment)
    purpose, purpose_other = _purpose(purpose, purpose_other)
    fields = ["purpose", "purpose_other", "event"]
    if purpose == Assessment.Purpose.RECERTIFICATION:
        assessment.previous = _previous(candidate=actor, purpose=purpose, previous_id=previous_id)
        fields.append("previous")
    elif assessment.purpose == Assessment.Purpose.RECERTIFICATION:
        # The earlier certification was named only for the renewal the candidate no longer asks.
        assessment.previous = None
        fields.append("previous")
    if event_id and event_id != assessment.event_id:
        _take_event_place(
            event_id=event_id,
            scheme_version_id=assessment.scheme_version_id,
            assessment_id=assessment.pk,
        )
    assessment.purpose = purpose
    assessment.purpose_other = purpose_other
    assessment.event_id = event_id or None
    assessment._change_reason = "application updated"
    assessment._history_user = actor
    assessment.save(update_fields=fields)
    return assessment


def required_document_kinds(assessment: Assessment) -> list[str]:
    """The document kinds the scheme asks for, plus the proof of payment when it has a fee."""
    kinds = [k for k in assessment.scheme_version.required_documents if k in DocumentKind.values]
    if assessment.scheme_version.fee and DocumentKind.PAYMENT not in kinds:
        kinds.append(DocumentKind.PAYMENT)
    return kinds


@transaction.atomic
def document_upload(*, assessment_id: int, actor, kind: str, uploaded) -> ApplicationDocument:
    """Upload (or replace) a document of an editable application. The file is checked by
    content (``check_upload``: PDF, JPEG or PNG); the replaced one stays in the record with
    ``replaced_at`` set. "Other" documents never replace each other."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    _editable(assessment)
    if kind not in DocumentKind.values:
        raise ValidationError(_("Unknown document type."), code="kind")
    checked = check_upload(uploaded, allowed=DOCUMENT_EXTENSIONS)
    if kind != DocumentKind.OTHER:
        ApplicationDocument.objects.filter(
            assessment=assessment, kind=kind, replaced_at__isnull=True
        ).update(replaced_at=timezone.now())
    document = ApplicationDocument(
        assessment=assessment,
        kind=kind,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    document.file.save(checked.name, uploaded, save=False)
    document.save()
    return document


@transaction.atomic
def evidence_upload(
    *,
    assessment_id: int,
    actor,
    title: str,
    uploaded,
    description: str = "",
    request_id: int | None = None,
    supersedes_id: int | None = None,
) -> Evidence:
    """Add portfolio evidence: freely while the application is editable; later only to answer
    an assessor's open request while the assessment is prepared or run. ``supersedes_id``
    keeps the older item (reviewed or not) and links the new one; the new one supports the
    elements the older one supported."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    request = None
    if request_id:
        request = EvidenceRequest.objects.filter(pk=request_id, assessment=assessment).first()
        if request is None or not request.is_open:
            raise ValidationError(_("This request is closed."), code="request_closed")
        if assessment.state not in (*EDITABLE_STATES, *REQUEST_ANSWER_STATES):
            raise ValidationError(
                _("The assessment is %(state)s: requests can no longer be answered."),
                params={"state": assessment.get_state_display()},
                code="not_editable",
            )
    elif assessment.state not in EDITABLE_STATES:
        raise ValidationError(
            _("Evidence can be added now only in answer to the assessor's request."),
            code="not_editable",
        )
    if not title.strip():
        raise _field_error("title", _("Give the evidence a title."), "title")
    old = None
    if supersedes_id:
        old = (
            Evidence.objects.select_for_update()
            .filter(pk=supersedes_id, assessment=assessment, superseded_by__isnull=True)
            .first()
        )
        if old is None:
            raise ValidationError(_("That evidence cannot be superseded."), code="supersede")
    checked = check_upload(uploaded, allowed=EVIDENCE_EXTENSIONS)
    evidence = Evidence(
        assessment=assessment,
        title=title.strip(),
        description=description.strip(),
        request=request,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    evidence.file.save(checked.name, uploaded, save=False)
    evidence.save()
    if old is not None:
        old.superseded_by = evidence
        old.save(update_fields=["superseded_by"])
        # The newer item supports what the older one supported.
        for answer in old.self_assessments.all():
            answer.evidence.add(evidence)
    return evidence


@transaction.atomic
def evidence_delete(*, evidence_id: int, actor) -> None:
    """Delete unreviewed, current evidence of an editable application. Reviewed evidence, an
    item that another supersedes, and an item that supersedes another are permanent."""
    evidence = (
        Evidence.objects.select_for_update().select_related("assessment").filter(pk=evidence_id)
    ).first()
    if evidence is None:
        raise ValidationError(_("That evidence no longer exists."), code="missing")
    _own(evidence.assessment, actor)
    _editable(evidence.assessment)
    if evidence.is_reviewed:
        raise ValidationError(
            _("An assessor has reviewed this evidence: it can be superseded, not deleted."),
            code="reviewed",
        )
    if not evidence.is_current:
        raise ValidationError(
            _("This evidence was superseded and stays in the record."), code="superseded"
        )
    if Evidence.objects.filter(superseded_by=evidence).exists():
        raise ValidationError(
            _("This evidence supersedes an earlier item and is kept."), code="supersedes"
        )
    stored = evidence.file
    evidence.delete()
    transaction.on_commit(lambda: stored.storage.delete(stored.name))


@transaction.atomic
def self_assessment_save(
    *, assessment_id: int, actor, element_id: int, answer: str, evidence_ids: list[int]
) -> SelfAssessment:
    """Record the FR.APL.02 answer for one element of the scheme with the current evidence
    that supports it. Links to superseded evidence stay (they record what was claimed)."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    _editable(assessment)
    if answer not in SelfAssessment.Answer.values:
        raise _field_error("answer", _("Choose K or BK."), "answer")
    from schemes.models import Element

    if not Element.objects.filter(
        pk=element_id, unit__scheme_units__group__version=assessment.scheme_version_id
    ).exists():
        raise ValidationError(_("That element is not part of this scheme."), code="element")
    wanted = set(evidence_ids)
    evidence = list(
        Evidence.objects.filter(pk__in=wanted, assessment=assessment, superseded_by__isnull=True)
    )
    if len(evidence) != len(wanted):
        raise _field_error("evidence", _("Link only your own current evidence."), "evidence")
    row, _created = SelfAssessment.objects.update_or_create(
        assessment=assessment,
        element_id=element_id,
        defaults={"answer": answer, "answered_at": timezone.now()},
    )
    superseded = list(row.evidence.filter(superseded_by__isnull=False))
    row.evidence.set([*evidence, *superseded])
    return row


# Where each kind of problem is fixed; the candidate's pages link each checklist line there.
CHECKLIST_SECTIONS = ("profile", "apl01", "documents", "apl02", "evidence")


def application_checklist(assessment: Assessment) -> list[tuple[str, str]]:
    """Everything that still stops the candidate from submitting, as (section, message) pairs
    with section one of ``CHECKLIST_SECTIONS``; empty when it can be submitted. Constant
    queries whatever the size of the scheme."""
    from schemes.models import Element

    problems: list[tuple[str, str]] = []
    if not CandidateProfile.objects.filter(user_id=assessment.candidate_id).exists():
        problems.append(("profile", _("Complete your personal data (profile).")))
    if assessment.purpose == Assessment.Purpose.OTHER and not assessment.purpose_other:
        problems.append(("apl01", _("Name the purpose of the assessment.")))
    if assessment.purpose == Assessment.Purpose.RECERTIFICATION and not assessment.previous_id:
        problems.append(("apl01", _("Choose the earlier certification you are renewing.")))
    present = set(
        assessment.documents.filter(replaced_at__isnull=True).values_list("kind", flat=True)
    )
    for kind in required_document_kinds(assessment):
        if kind not in present:
            problems.append(
                (
                    "documents",
                    _("Upload the document: %(doc)s.") % {"doc": DocumentKind(kind).label},
                )
            )
    elements = Element.objects.filter(
        unit__scheme_units__group__version=assessment.scheme_version_id
    ).count()
    answers = assessment.self_assessments.all()
    answered = answers.count()
    if answered < elements:
        problems.append(
            (
                "apl02",
                _("Answer every element of the self-assessment (%(done)s of %(total)s answered).")
                % {"done": answered, "total": elements},
            )
        )
    unsupported = (
        answers.filter(answer=SelfAssessment.Answer.K)
        .annotate(current=Count("evidence", filter=Q(evidence__superseded_by__isnull=True)))
        .filter(current=0)
        .count()
    )
    if unsupported:
        problems.append(
            (
                "apl02",
                _("%(n)s element(s) claimed K have no evidence linked.") % {"n": unsupported},
            )
        )
    return problems


def application_problems(assessment: Assessment) -> list[str]:
    """What still stops the candidate from submitting (empty when it can be submitted)."""
    return [message for _section, message in application_checklist(assessment)]


@transaction.atomic
def application_submit(*, assessment_id: int, actor) -> Assessment:
    """Submit APL.01 + APL.02 (draft, or again after a revision); refused with every reason
    while anything is missing."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    _editable(assessment)
    problems = application_problems(assessment)
    if problems:
        raise ValidationError(problems, code="incomplete")
    return transitions.assessment_submit(assessment_id=assessment_id, actor=actor)

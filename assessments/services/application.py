"""The candidate's application (FR.APL.01 + FR.APL.02), evidence, consent (FR.AK.01) and feedback
(FR.AK.03), and the LSP admin's verification of it. The views call these; the bare transitions in
``transitions.py`` stay the one place a state changes."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    "CONSENT_STATES",
    "EDITABLE_STATES",
    "FEEDBACK_STATES",
    "RETURN_SECTIONS",
    "application_problems",
    "application_start",
    "application_submit",
    "application_update",
    "candidate_profile_save",
    "document_upload",
    "evidence_delete",
    "evidence_upload",
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
FEEDBACK_STATES = (S.RECOMMENDED, S.REPORTED, S.DECIDED)
RETURN_SECTIONS = {
    "apl01": gettext_lazy("FR.APL.01 application and personal data"),
    "documents": gettext_lazy("Required documents"),
    "payment": gettext_lazy("Proof of payment"),
    "apl02": gettext_lazy("FR.APL.02 self-assessment"),
    "evidence": gettext_lazy("Portfolio evidence"),
}


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


@transaction.atomic
def candidate_profile_save(*, user, data: dict) -> CandidateProfile:
    """Create or update the candidate's FR.APL.01 personal and job data (validated)."""
    profile = CandidateProfile.objects.filter(user=user).first() or CandidateProfile(user=user)
    for field, value in data.items():
        setattr(profile, field, value)
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
    if event.status != AssessmentEvent.Status.OPEN:
        raise ValidationError(_("This event is not open for registration."), code="event_closed")
    taken = event.assessments.exclude(state__in=Assessment.TERMINAL_STATES)
    if assessment_id:
        taken = taken.exclude(pk=assessment_id)
    if taken.count() >= event.quota:
        raise ValidationError(_("This event is full. Choose another date."), code="event_full")
    return event


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
    Sertifikasi Ulang names the candidate's earlier certified assessment."""
    if not CandidateProfile.objects.filter(user=candidate).exists():
        raise ValidationError(_("Complete your profile before applying."), code="no_profile")
    previous = None
    if purpose == Assessment.Purpose.RECERTIFICATION:
        previous = Assessment.objects.filter(
            pk=previous_id, candidate=candidate, state=S.DECIDED
        ).first()
        if previous is None:
            raise ValidationError(
                _("Choose the earlier certification you are renewing."), code="previous_required"
            )
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
        assessment.save(update_fields=["event"])
    return assessment


@transaction.atomic
def application_update(
    *, assessment_id: int, actor, purpose: str, purpose_other: str = "", event_id: int | None = None
) -> Assessment:
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    _editable(assessment)
    if event_id and event_id != assessment.event_id:
        _take_event_place(
            event_id=event_id,
            scheme_version_id=assessment.scheme_version_id,
            assessment_id=assessment.pk,
        )
    assessment.purpose = purpose
    assessment.purpose_other = purpose_other if purpose == Assessment.Purpose.OTHER else ""
    assessment.event_id = event_id or None
    assessment.full_clean(
        exclude=["state", "candidate", "scheme_version", "previous"], validate_constraints=False
    )
    assessment._change_reason = "application updated"
    assessment.save(update_fields=["purpose", "purpose_other", "event"])
    return assessment


def required_document_kinds(assessment: Assessment) -> list[str]:
    kinds = [k for k in assessment.scheme_version.required_documents if k in DocumentKind.values]
    if assessment.scheme_version.fee and DocumentKind.PAYMENT not in kinds:
        kinds.append(DocumentKind.PAYMENT)
    return kinds


@transaction.atomic
def document_upload(*, assessment_id: int, actor, kind: str, uploaded) -> ApplicationDocument:
    """Upload (or replace) a required document. The replaced one stays in the record."""
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
    an assessor's open request. ``supersedes_id`` keeps the older item and links the new one."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    request = None
    if request_id:
        request = EvidenceRequest.objects.filter(pk=request_id, assessment=assessment).first()
        if request is None or not request.is_open:
            raise ValidationError(_("This request is closed."), code="request_closed")
    elif assessment.state not in EDITABLE_STATES:
        raise ValidationError(
            _("Evidence can be added now only in answer to the assessor's request."),
            code="not_editable",
        )
    if assessment.is_locked:
        raise ValidationError(_("The assessment record is locked."), code="locked")
    if not title.strip():
        raise ValidationError(_("Give the evidence a title."), code="title")
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
    """Delete unreviewed evidence of an editable application (reviewed evidence is permanent)."""
    evidence = Evidence.objects.select_for_update().select_related("assessment").get(pk=evidence_id)
    _own(evidence.assessment, actor)
    _editable(evidence.assessment)
    if evidence.is_reviewed:
        raise ValidationError(
            _("An assessor has reviewed this evidence: it can be superseded, not deleted."),
            code="reviewed",
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
    """Record the FR.APL.02 answer for one element with the evidence that supports it."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    _editable(assessment)
    if answer not in SelfAssessment.Answer.values:
        raise ValidationError(_("Choose K or BK."), code="answer")
    from schemes.models import Element

    if not Element.objects.filter(
        pk=element_id, unit__scheme_units__group__version=assessment.scheme_version_id
    ).exists():
        raise ValidationError(_("That element is not part of this scheme."), code="element")
    evidence = list(
        Evidence.objects.filter(
            pk__in=evidence_ids, assessment=assessment, superseded_by__isnull=True
        )
    )
    if len(evidence) != len(set(evidence_ids)):
        raise ValidationError(_("Link only your own current evidence."), code="evidence")
    row, _created = SelfAssessment.objects.update_or_create(
        assessment=assessment,
        element_id=element_id,
        defaults={"answer": answer, "answered_at": timezone.now()},
    )
    row.evidence.set(evidence)
    return row


def application_problems(assessment: Assessment) -> list[str]:
    """What still stops the candidate from submitting (empty when it can be submitted)."""
    from schemes.models import Element

    problems = []
    if not CandidateProfile.objects.filter(user_id=assessment.candidate_id).exists():
        problems.append(_("Complete your personal data (profile)."))
    if assessment.purpose == Assessment.Purpose.OTHER and not assessment.purpose_other:
        problems.append(_("Name the purpose of the assessment."))
    present = set(
        assessment.documents.filter(replaced_at__isnull=True).values_list("kind", flat=True)
    )
    for kind in required_document_kinds(assessment):
        if kind not in present:
            problems.append(_("Upload the document: %(doc)s.") % {"doc": DocumentKind(kind).label})
    elements = Element.objects.filter(
        unit__scheme_units__group__version=assessment.scheme_version_id
    ).count()
    answers = assessment.self_assessments.all()
    answered = answers.count()
    if answered < elements:
        problems.append(
            _("Answer every element of the self-assessment (%(done)s of %(total)s answered).")
            % {"done": answered, "total": elements}
        )
    unsupported = (
        answers.filter(answer=SelfAssessment.Answer.K)
        .annotate(current=Count("evidence", filter=Q(evidence__superseded_by__isnull=True)))
        .filter(current=0)
        .count()
    )
    if unsupported:
        problems.append(
            _("%(n)s element(s) claimed K have no evidence linked.") % {"n": unsupported}
        )
    return problems


@transaction.atomic
def application_submit(*, assessment_id: int, actor) -> Assessment:
    """Submit APL.01 + APL.02; refused (with every reason) while anything is missing."""
    assessment = _lock(assessment_id)
    _own(assessment, actor)
    _editable(assessment)
    problems = application_problems(assessment)
    if problems:
        raise ValidationError(problems, code="incomplete")
    return transitions.assessment_submit(assessment_id=assessment_id, actor=actor)

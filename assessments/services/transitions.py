"""Writes to the assessment record. Every state change: lock the row, check the source state (a
django-fsm-2 transition), change, save(update_fields=...), record the change reason in the history
row, and queue side effects (notifications, email) after commit."""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed

from assessments.models import Assessment, AssessmentEvent, Notification


class TransitionRefused(ValidationError):
    """A state change that the assessment's current state does not allow."""


def _save_with_reason(obj, *, fields: Iterable[str], reason: str, actor) -> None:
    obj._change_reason = reason
    obj._history_user = actor
    obj.save(update_fields=list(fields))


def notify(*, recipient, title: str | Promise, body: str = "", url: str = "") -> Notification:
    """Create an in-app notification and send its email copy after commit.

    A lazy ``title`` is rendered in the recipient's language, not the acting user's: the row
    stores plain text, and an admin working in English notifies a candidate who reads Indonesian.
    """
    from assessments.outbox import enqueue
    from assessments.tasks import send_notification_email

    with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
        title = str(title)
    notification = Notification.objects.create(recipient=recipient, title=title, body=body, url=url)
    transaction.on_commit(lambda: enqueue(send_notification_email, notification.pk))
    return notification


def _transition(
    *,
    assessment_id: int,
    actor,
    method: str,
    reason: str,
    note: str = "",
    extra_fields: dict | None = None,
    guard: Callable[[Assessment], None] | None = None,
) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment_id)
    if guard:
        guard(assessment)
    for field, value in (extra_fields or {}).items():
        setattr(assessment, field, value)
    transition_method = getattr(assessment, method)
    try:
        transition_method()
    except TransitionNotAllowed as exc:
        raise TransitionRefused(
            _("This is not possible while the assessment is %(state)s."),
            params={"state": assessment.get_state_display()},
            code="wrong_state",
        ) from exc
    assessment.state_note = note
    fields = {
        "state",
        "state_changed_at",
        "state_note",
        "submitted_at",
        "reported_at",
        "returned_sections",
        *(extra_fields or {}),
    }
    _save_with_reason(assessment, fields=fields, reason=reason, actor=actor)
    return assessment


def _notify_candidate(assessment: Assessment, title: Promise, body: str = "") -> None:
    notify(
        recipient=assessment.candidate,
        title=title,
        body=body,
        url=reverse("assessments:application", args=[assessment.pk]),
    )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


@transaction.atomic
def assessment_create(
    *,
    candidate,
    scheme_version,
    purpose: str = Assessment.Purpose.CERTIFICATION,
    purpose_other: str = "",
    previous: Assessment | None = None,
    actor=None,
) -> Assessment:
    """Open a draft application of ``candidate`` for a published scheme version.

    ``actor`` is who opens it (the candidate, or an LSP admin registering a batch); it defaults
    to the candidate and becomes the history user of the creation row. Refuses an unpublished
    version, a second open application for the same version, and a ``previous`` assessment of
    another candidate.
    """
    actor = actor or candidate
    _require(
        actor.pk == candidate.pk or actor.is_lsp_admin,
        _("Only the candidate or an LSP admin can open an application."),
    )
    if scheme_version.status != scheme_version.Status.PUBLISHED:
        raise ValidationError(
            _("Applications are only open for published schemes."), code="unpublished"
        )
    # full_clean() has to skip the protected state field, and with it the partial unique
    # constraint on open applications: check it here for a clear message (the constraint still
    # catches a concurrent duplicate).
    open_applications = Assessment.objects.open().filter(
        candidate=candidate, scheme_version=scheme_version
    )
    if open_applications.exists():
        raise ValidationError(
            _("The candidate already has an open application for this scheme version."),
            code="already_open",
        )
    if previous is not None and previous.candidate_id != candidate.pk:
        raise ValidationError(
            _("A reassessment follows an earlier assessment of the same candidate."),
            code="previous_other_candidate",
        )
    assessment = Assessment(
        candidate=candidate,
        scheme_version=scheme_version,
        purpose=purpose,
        purpose_other=purpose_other,
        previous=previous,
    )
    assessment.full_clean(exclude=["state"])
    assessment._change_reason = "created"
    assessment._history_user = actor
    assessment.save()
    return assessment


@transaction.atomic
def assessment_submit(*, assessment_id: int, actor) -> Assessment:
    """Candidate submits APL.01 and APL.02 (from draft, or again after a revision request)."""

    def guard(a: Assessment) -> None:
        _require(a.candidate_id == actor.pk, _("Only the candidate can submit the application."))

    return _transition(
        assessment_id=assessment_id,
        actor=actor,
        method="submit",
        reason="submitted by candidate",
        guard=guard,
    )


@transaction.atomic
def assessment_return(*, assessment_id: int, actor, note: str, sections: list[str]) -> Assessment:
    """Return for revision, naming the sections to fix: by an LSP admin (submitted) or by the
    assessor who found APL.02 "tidak dapat dilanjutkan" (scheduled)."""
    if not note.strip():
        raise ValidationError(_("Say what the candidate must revise."), code="note_required")

    def guard(a: Assessment) -> None:
        if a.state == Assessment.State.SCHEDULED:
            _require(a.assessor_id == actor.pk, _("Only the assigned assessor can return this."))
        else:
            _require(actor.is_lsp_admin, _("Only an LSP admin can return an application."))

    assessment = _transition(
        assessment_id=assessment_id,
        actor=actor,
        method="return_for_revision",
        reason="returned for revision",
        note=note,
        extra_fields={"returned_sections": list(sections)},
        guard=guard,
    )
    _notify_candidate(assessment, gettext_lazy("Your application needs revision"), note)
    return assessment


def _admin_decision(method: str, reason: str, title: Promise):
    @transaction.atomic
    def service(*, assessment_id: int, actor, note: str = "") -> Assessment:
        _require(actor.is_lsp_admin, _("Only an LSP admin can decide an application."))
        assessment = _transition(
            assessment_id=assessment_id, actor=actor, method=method, reason=reason, note=note
        )
        _notify_candidate(assessment, title, note)
        return assessment

    service.__doc__ = f"LSP admin: {reason} (FR.APL.01 decision)."
    return service


assessment_accept = _admin_decision(
    "accept", "APL.01 accepted (diterima)", gettext_lazy("Your application was accepted")
)
assessment_reject = _admin_decision(
    "reject", "APL.01 rejected (tidak diterima)", gettext_lazy("Your application was not accepted")
)


@transaction.atomic
def assessment_schedule(
    *, assessment_id: int, actor, event: AssessmentEvent, assessor
) -> Assessment:
    """Place an accepted candidate in an event with an assessor assigned to that event."""
    _require(actor.is_lsp_admin, _("Only an LSP admin can schedule a candidate."))
    # Locking the event serialises placements into it, so two admins filling its last place at
    # the same time cannot both see a free place (the count below runs after the lock is held).
    event = AssessmentEvent.objects.select_for_update().get(pk=event.pk)
    if event.status in (AssessmentEvent.Status.CANCELLED, AssessmentEvent.Status.DONE):
        raise ValidationError(_("The event is cancelled or already done."), code="event_closed")
    if not event.assignments.filter(assessor=assessor).exists():
        raise ValidationError(_("The assessor is not assigned to this event."), code="not_assigned")
    placed = (
        event.assessments.exclude(state__in=Assessment.TERMINAL_STATES)
        .exclude(pk=assessment_id)
        .count()
    )
    if placed >= event.quota:
        raise ValidationError(_("The event is full."), code="event_full")

    def guard(a: Assessment) -> None:
        if a.scheme_version_id != event.scheme_version_id:
            raise ValidationError(
                _("The event is for another scheme version."), code="wrong_scheme"
            )
        # Impartiality: a staff member applying for a certificate is never their own assessor.
        if a.candidate_id == assessor.pk:
            raise ValidationError(
                _("A candidate cannot be their own assessor."), code="self_assessment"
            )
        # Never overridable: a licence valid on the event date and the scheme in scope.
        from assessments.services.admin import assignment_refusal

        refusal = assignment_refusal(event=event, assessor=assessor)
        if refusal:
            raise ValidationError(refusal, code="not_eligible")

    assessment = _transition(
        assessment_id=assessment_id,
        actor=actor,
        method="schedule",
        reason="scheduled",
        extra_fields={"event": event, "assessor": assessor},
        guard=guard,
    )
    _notify_candidate(assessment, gettext_lazy("Your assessment is scheduled"), str(event))
    return assessment


def _assessor_step(method: str, reason: str):
    @transaction.atomic
    def service(*, assessment_id: int, actor, note: str = "") -> Assessment:
        def guard(a: Assessment) -> None:
            _require(
                a.assessor_id == actor.pk and actor.is_assessor,
                _("Only the assigned assessor can do this."),
            )

        return _transition(
            assessment_id=assessment_id,
            actor=actor,
            method=method,
            reason=reason,
            note=note,
            guard=guard,
        )

    service.__doc__ = f"Assigned assessor: {reason}."
    return service


assessment_clear = _assessor_step("clear", "APL.02 reviewed: dapat dilanjutkan")
assessment_prepare = _assessor_step("prepare", "preparation complete")
assessment_start = _assessor_step("start", "assessment started")
assessment_recommend = _assessor_step("recommend", "recommendation recorded")
assessment_report = _assessor_step("report", "report submitted; record locked")


@transaction.atomic
def assessment_decide(*, assessment_id: int, actor, note: str = "") -> Assessment:
    """Decision maker closes a reported assessment (the decision record lives in certification)."""

    def guard(a: Assessment) -> None:
        _require(actor.is_decision_maker, _("Only a decision maker can decide."))
        _require(a.assessor_id != actor.pk, _("The assessor of a candidate cannot decide on them."))
        _require(a.candidate_id != actor.pk, _("Nobody decides on their own certification."))

    return _transition(
        assessment_id=assessment_id,
        actor=actor,
        method="decide",
        reason="certification decision",
        note=note,
        guard=guard,
    )


@transaction.atomic
def assessment_reopen(*, assessment_id: int, actor, reason: str) -> Assessment:
    """LSP admin reopens a reported record (before a decision) with a reason, audited."""
    _require(actor.is_lsp_admin, _("Only an LSP admin can reopen a record."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for reopening."), code="reason_required")
    return _transition(
        assessment_id=assessment_id,
        actor=actor,
        method="reopen",
        reason=f"reopened: {reason}",
        note=reason,
    )


@transaction.atomic
def assessment_mark_absent(*, assessment_id: int, actor, note: str = "") -> Assessment:
    _require(actor.is_lsp_admin, _("Only an LSP admin can record a no-show."))
    return _transition(
        assessment_id=assessment_id,
        actor=actor,
        method="mark_absent",
        reason="absent (no-show)",
        note=note,
    )


@transaction.atomic
def assessment_withdraw(*, assessment_id: int, actor, reason: str) -> Assessment:
    """The candidate (or an admin for them) withdraws before the record is reported."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for withdrawing."), code="reason_required")

    def guard(a: Assessment) -> None:
        _require(
            a.candidate_id == actor.pk or actor.is_lsp_admin,
            _("Only the candidate or an LSP admin can withdraw this application."),
        )

    return _transition(
        assessment_id=assessment_id,
        actor=actor,
        method="withdraw",
        reason=f"withdrawn: {reason}",
        note=reason,
        guard=guard,
    )

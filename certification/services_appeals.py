"""Appeals (FR.AK.04) and complaints: cases with a deadline, handled by people not involved.

An appeal is filed by the candidate ("filed"), assigned by an LSP admin to a reviewer who was not
involved in the assessment or the decision ("under_review", due by the date set from
KOMPETEN_APPEAL_DECISION_DAYS), and ruled by that reviewer: "rejected", or "upheld", which opens a
reassessment of the named units (a new assessment linked to the appealed one).

A complaint comes from anyone (the public form needs no account), is assigned to a handler,
answered (the answer is emailed to the complainant), and may lead to a suspension decision
(certification.services_certification.certificate_suspend naming the complaint).
"""

import datetime
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, UnitDecision
from assessments.outbox import enqueue
from assessments.services import appeal_deadline, appeal_window_open, notify, reassessment_create
from certification import rules
from certification.models import Appeal, Certificate, Complaint, User


@transaction.atomic
def appeal_file(
    *,
    assessment_id: int,
    actor: User,
    reason: str,
    process_explained: bool,
    discussed_with_assessor: bool,
    involved_other_person: bool,
    other_person_name: str = "",
) -> Appeal:
    """File an appeal (FR.AK.04) on the actor's own decided assessment.

    Refused for someone else's assessment (PermissionDenied), before the decision, after the
    appeal window (settings.KOMPETEN_APPEAL_WINDOW_DAYS after the decision), without a reason,
    and while another appeal on the same assessment is still being handled (ValidationError).
    Notifies every active LSP admin and the candidate after commit.
    """
    # The lock serialises two submissions of the same form (a double tap on a phone): the second
    # sees the first appeal and gets the clear message instead of an IntegrityError.
    assessment = (
        Assessment.objects.select_for_update()
        .select_related("scheme_version__scheme", "candidate")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None or assessment.candidate_id != actor.pk:
        raise PermissionDenied(_("You can appeal only the decision on your own assessment."))
    if assessment.state != Assessment.State.DECIDED:
        raise ValidationError(
            _("An appeal can be filed once the certification decision has been made."),
            code="not_decided",
        )
    if not appeal_window_open(assessment):
        deadline = timezone.localtime(appeal_deadline(assessment))
        raise ValidationError(
            _("The appeal period ended on %(date)s; an appeal can no longer be filed."),
            params={"date": date_format(deadline, "DATETIME_FORMAT")},
            code="window_closed",
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for your appeal."), code="reason")
    if Appeal.objects.filter(assessment=assessment, status__in=Appeal.OPEN_STATUSES).exists():
        raise ValidationError(
            _("Your earlier appeal on this assessment is still being handled."),
            code="already_open",
        )
    appeal = Appeal(
        assessment=assessment,
        filed_by=actor,
        process_explained=process_explained,
        discussed_with_assessor=discussed_with_assessor,
        involved_other_person=involved_other_person,
        other_person_name=other_person_name.strip() if involved_other_person else "",
        reason=reason,
        decide_by=appeal_decide_by(timezone.localdate()),
    )
    appeal._change_reason = "appeal filed by candidate"
    appeal._history_user = actor
    appeal.save()

    scheme = assessment.scheme_version
    body = f"{assessment.candidate.full_name} · {scheme.scheme.number} {scheme.title}\n{reason}"
    admins = User.objects.filter(is_lsp_admin=True, is_active=True).exclude(pk=actor.pk)
    for admin in admins.order_by("pk"):
        notify(
            recipient=admin,
            title=gettext_lazy("A candidate filed an appeal (FR.AK.04)"),
            body=body,
        )
    with translation.override(actor.language or settings.LANGUAGE_CODE):
        received = _("The LSP reviews it with people who were not involved in the decision.")
    notify(
        recipient=actor,
        title=gettext_lazy("Your appeal was received"),
        body=received,
        url=reverse("assessments:application", args=[assessment.pk]),
    )
    return appeal


def appeal_decide_by(filed_on: datetime.date) -> datetime.date:
    """The date by which an appeal filed on ``filed_on`` must be ruled."""
    return filed_on + datetime.timedelta(days=settings.KOMPETEN_APPEAL_DECISION_DAYS)


def _lock_appeal(appeal_id: int) -> Appeal:
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("assessment__candidate", "assessment__scheme_version__scheme")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise ValidationError(_("This appeal does not exist."), code="missing")
    return appeal


def _appeal_url(appeal: Appeal) -> str:
    return reverse("appeal_detail", args=[appeal.pk])


@transaction.atomic
def appeal_assign(*, appeal_id: int, actor: User, reviewer_id: int) -> Appeal:
    """An LSP admin assigns (or reassigns) the reviewer of an open appeal.

    The reviewer must be an active LSP admin who was not involved: not the candidate, never an
    assessor of the candidate, no declared relationship, not the one who decided, not an admin
    who overrode a conflicted assignment (certification.rules.reviewer_refusal). The appeal goes
    "under review" with its deadline; the reviewer and the candidate are notified."""
    if not rules.can(actor, "certification.manage_appeals"):
        raise PermissionDenied(_("Only an LSP admin can assign appeals."))
    appeal = _lock_appeal(appeal_id)
    if not appeal.is_open:
        raise ValidationError(_("This appeal has already been ruled."), code="ruled")
    reviewer = User.objects.filter(pk=reviewer_id).first()
    if reviewer is None:
        raise ValidationError(_("Choose the reviewer."), code="reviewer")
    refusal = rules.reviewer_refusal(reviewer, appeal, you=False)
    if refusal:
        raise ValidationError(
            _("%(name)s cannot review this appeal: %(reason)s"),
            params={"name": reviewer.full_name or reviewer.email, "reason": refusal},
            code="reviewer_involved",
        )
    appeal.reviewer = reviewer
    appeal.assigned_by = actor
    appeal.assigned_at = timezone.now()
    appeal.status = Appeal.Status.UNDER_REVIEW
    appeal.decide_by = appeal.decide_by or appeal_decide_by(timezone.localdate(appeal.filed_at))
    appeal._change_reason = "appeal assigned to a reviewer"
    appeal._history_user = actor
    appeal.save(update_fields=["reviewer", "assigned_by", "assigned_at", "status", "decide_by"])
    notify(
        recipient=reviewer,
        title=gettext_lazy("You were asked to review an appeal (FR.AK.04)"),
        body=f"{appeal.assessment.candidate.full_name} · "
        f"{date_format(appeal.decide_by, 'DATE_FORMAT')}",
        url=_appeal_url(appeal),
    )
    notify(
        recipient=appeal.assessment.candidate,
        title=gettext_lazy("Your appeal is being reviewed"),
        url=reverse("assessments:application", args=[appeal.assessment_id]),
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *, appeal_id: int, actor: User, upheld: bool, ruling: str, unit_ids: list[int] | None = None
) -> Appeal:
    """The assigned reviewer rules on the appeal, with the reasons.

    Upheld: a reassessment of the named units (units decided BK) is opened as a new assessment
    linked to the appealed one (assessments.services.reassessment_create). Refused for anyone
    but the assigned reviewer, for a reviewer who has since become involved, for an appeal not
    under review, without reasons, and for an upheld appeal without units. The candidate is told."""
    appeal = _lock_appeal(appeal_id)
    if appeal.reviewer_id != actor.pk:
        raise PermissionDenied(_("Only the assigned reviewer can rule on this appeal."))
    refusal = rules.reviewer_refusal(actor, appeal)
    if refusal:
        raise PermissionDenied(refusal)
    if appeal.status != Appeal.Status.UNDER_REVIEW:
        raise ValidationError(_("This appeal is not under review."), code="wrong_status")
    ruling = ruling.strip()
    if not ruling:
        raise ValidationError(_("Give the reasons for the outcome."), code="ruling")
    fields = ["status", "ruling", "ruled_at"]
    if upheld:
        chosen = sorted(set(unit_ids or []))
        if not chosen:
            raise ValidationError(_("Name the units to reassess (units decided BK)."), code="units")
        reassessment = reassessment_create(
            assessment_id=appeal.assessment_id, actor=actor, unit_ids=chosen
        )
        appeal.reassessment = reassessment
        fields.append("reassessment")
    appeal.status = Appeal.Status.UPHELD if upheld else Appeal.Status.REJECTED
    appeal.ruling = ruling
    appeal.ruled_at = timezone.now()
    appeal._change_reason = f"appeal {appeal.status}"
    appeal._history_user = actor
    appeal.save(update_fields=fields)
    if upheld:
        appeal.units.set(chosen)
    notify(
        recipient=appeal.assessment.candidate,
        title=gettext_lazy("Your appeal was upheld: a reassessment is opened")
        if upheld
        else gettext_lazy("Your appeal was rejected"),
        body=ruling,
        url=reverse("assessments:application", args=[appeal.assessment_id]),
    )
    return appeal


def appeal_units_to_reassess(appeal: Appeal) -> list[UnitDecision]:
    """The units an upheld appeal may send back to assessment: those decided BK."""
    return list(
        UnitDecision.objects.filter(
            assessment_id=appeal.assessment_id, outcome=UnitDecision.Outcome.BK
        )
        .select_related("unit")
        .order_by("unit__code")
    )


# --- complaints --------------------------------------------------------------------------------


def normalise_number(number: str) -> str:
    """A certificate number as typed, compared without case and surplus spaces."""
    return re.sub(r"\s+", " ", number).strip()


@transaction.atomic
def complaint_file(
    *,
    name: str,
    email: str,
    about: str,
    text: str,
    certificate_number: str = "",
    actor: User | None = None,
) -> Complaint:
    """Record a complaint (from the public form or a signed-in user). A certificate number that
    matches a certificate links the complaint to it. Every active LSP admin is notified."""
    name, email, text = name.strip(), email.strip(), text.strip()
    if not name or not email or not text:
        raise ValidationError(_("Give your name, your email and the complaint."), code="empty")
    if about not in Complaint.About.values:
        raise ValidationError(_("Say what the complaint is about."), code="about")
    number = normalise_number(certificate_number)
    certificate = Certificate.objects.filter(number__iexact=number).first() if number else None
    complaint = Complaint(
        name=name,
        email=email,
        about=about,
        text=text,
        certificate_number=number,
        certificate=certificate,
        filed_by=actor if actor is not None and actor.is_authenticated else None,
    )
    complaint.full_clean(
        exclude=["filed_by", "certificate", "handler", "assigned_by", "answered_by"]
    )
    complaint._change_reason = "complaint received"
    complaint._history_user = complaint.filed_by
    complaint.save()
    for admin in User.objects.filter(is_lsp_admin=True, is_active=True).order_by("pk"):
        notify(
            recipient=admin,
            title=gettext_lazy("A complaint was received"),
            body=f"{complaint.get_about_display()} · {name}",
            url=reverse("complaint_detail", args=[complaint.pk]),
        )
    return complaint


def handler_refusal(user: User, complaint: Complaint) -> str | None:
    """Why ``user`` may not handle ``complaint`` (or None): LSP staff (admin, decision maker,
    head), and, for a complaint about a certificate, not involved with its holder."""
    if not user.is_active or not (user.is_lsp_admin or user.is_decision_maker or user.is_lsp_head):
        return _("The handler must be an active LSP admin, decision maker or LSP head.")
    if complaint.certificate_id:
        return rules.involvement_refusal(user, complaint.certificate.decision.assessment, you=False)
    return None


@transaction.atomic
def complaint_assign(*, complaint_id: int, actor: User, handler_id: int) -> Complaint:
    """An LSP admin assigns (or reassigns) the handler of an unanswered complaint."""
    if not rules.can(actor, "certification.manage_complaints"):
        raise PermissionDenied(_("Only an LSP admin can assign complaints."))
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("certificate__decision__assessment")
        .get(pk=complaint_id)
    )
    if not complaint.is_open:
        raise ValidationError(_("This complaint has already been answered."), code="answered")
    handler = User.objects.filter(pk=handler_id).first()
    if handler is None:
        raise ValidationError(_("Choose the handler."), code="handler")
    refusal = handler_refusal(handler, complaint)
    if refusal:
        raise ValidationError(
            _("%(name)s cannot handle this complaint: %(reason)s"),
            params={"name": handler.full_name or handler.email, "reason": refusal},
            code="handler_involved",
        )
    complaint.handler = handler
    complaint.assigned_by = actor
    complaint.assigned_at = timezone.now()
    complaint.status = Complaint.Status.IN_HANDLING
    complaint._change_reason = "complaint assigned"
    complaint._history_user = actor
    complaint.save(update_fields=["handler", "assigned_by", "assigned_at", "status"])
    notify(
        recipient=handler,
        title=gettext_lazy("A complaint was assigned to you"),
        body=complaint.text[:200],
        url=reverse("complaint_detail", args=[complaint.pk]),
    )
    return complaint


@transaction.atomic
def complaint_answer(*, complaint_id: int, actor: User, answer: str) -> Complaint:
    """The assigned handler answers the complaint; the answer is emailed to the complainant
    after commit."""
    from certification.tasks import send_complaint_answer

    complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
    if complaint.handler_id != actor.pk:
        raise PermissionDenied(_("Only the assigned handler can answer this complaint."))
    if complaint.status != Complaint.Status.IN_HANDLING:
        raise ValidationError(_("This complaint has already been answered."), code="answered")
    answer = answer.strip()
    if not answer:
        raise ValidationError(_("Write the answer."), code="answer")
    complaint.answer = answer
    complaint.answered_by = actor
    complaint.answered_at = timezone.now()
    complaint.status = Complaint.Status.ANSWERED
    complaint._change_reason = "complaint answered"
    complaint._history_user = actor
    complaint.save(update_fields=["answer", "answered_by", "answered_at", "status"])
    transaction.on_commit(lambda: enqueue(send_complaint_answer, complaint.pk))
    return complaint

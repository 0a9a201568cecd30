"""The LSP admin's console: assessors, TUK and their verification, events and who assesses whom.

The assignment rules (ISO/IEC 17024 as adopted by BNSP) live in ``assignment_refusal`` and
``pairing_conflict``: a licence expired on the event date or a scope without the scheme is never
overridable; a declared conflict blocks one assessor-candidate pairing unless a different admin
than the one who assigned that assessor to the event approves it with a recorded reason.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed

from assessments.models import (
    TUK,
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    AssignmentOverride,
    EventAssessor,
    ImpartialityDeclaration,
    TUKVerification,
)
from assessments.services.transitions import assessment_schedule, notify

__all__ = [
    "LICENCE_WARNING_DAYS",
    "TUK_VERIFICATION_ITEMS",
    "assessment_reassign",
    "assessor_register",
    "assessor_update",
    "assignment_refusal",
    "candidates_per_assessor_limit",
    "event_assign_assessor",
    "event_cancel",
    "event_close",
    "event_finish",
    "event_open",
    "event_place_candidate",
    "event_schedule",
    "event_update",
    "licence_warnings_send",
    "pairing_conflict",
    "tuk_register",
    "tuk_update",
    "tuk_verify",
]

LICENCE_WARNING_DAYS = (90, 30, 7)

# The BNSP TUK verification form: facilities and equipment, each checked Ada/Tidak (present)
# and Sesuai/Tidak (fit for the scheme).
TUK_VERIFICATION_ITEMS = {
    "facilities": [
        gettext_lazy("Assessment room"),
        gettext_lazy("Lighting and ventilation"),
        gettext_lazy("Electricity"),
        gettext_lazy("Toilets and washrooms"),
        gettext_lazy("Safety equipment (fire extinguisher, first aid, exits)"),
        gettext_lazy("Waiting room for candidates"),
    ],
    "equipment": [
        gettext_lazy("Tables and chairs"),
        gettext_lazy("Computers / work stations for the practical task"),
        gettext_lazy("Tools and materials named in the scheme"),
        gettext_lazy("Internet connection"),
        gettext_lazy("Printer and stationery"),
    ],
}

PLACEABLE_STATES = (Assessment.State.SCHEDULED, Assessment.State.CLEARED, Assessment.State.PREPARED)


def _require_admin(actor) -> None:
    if not getattr(actor, "is_lsp_admin", False):
        raise PermissionDenied(_("Only an LSP admin can do this."))


def _save(obj, *, reason: str, actor, fields: list[str] | None = None) -> None:
    obj._change_reason = reason
    obj._history_user = actor
    if fields is None:
        obj.save()
    else:
        obj.save(update_fields=fields)


def candidates_per_assessor_limit() -> int:
    return int(getattr(settings, "KOMPETEN_MAX_CANDIDATES_PER_ASSESSOR", 30))


def _event_day(event: AssessmentEvent) -> datetime.date:
    # The licence must be valid on the day the assessment takes place, at the TUK.
    return timezone.localdate(event.starts_at, event.tuk.tzinfo)


# --- the assignment rules -----------------------------------------------------------------------


def assignment_refusal(*, event: AssessmentEvent, assessor) -> str | None:
    """Why ``assessor`` may never assess at ``event`` (not overridable), or None: not a
    registered active assessor, licence expired on the event date, scheme not in scope."""
    profile = AssessorProfile.objects.filter(user_id=assessor.pk).first()
    if profile is None or not assessor.is_assessor:
        return _("%(name)s is not a registered assessor.") % {"name": assessor}
    if profile.status != AssessorProfile.Status.ACTIVE:
        return _("%(name)s's assessor registration is not active.") % {"name": assessor}
    day = _event_day(event)
    if not profile.licence_valid_on(day):
        return _("%(name)s's licence ends on %(until)s, before the event date %(day)s.") % {
            "name": assessor,
            "until": profile.licence_valid_until,
            "day": day,
        }
    if not profile.scope.filter(pk=event.scheme_version.scheme_id).exists():
        return _("The scheme %(scheme)s is not in %(name)s's scope.") % {
            "scheme": event.scheme_version.scheme.number,
            "name": assessor,
        }
    return None


def _capacity_refusal(*, event: AssessmentEvent, assessor, adding: int = 0) -> str | None:
    limit = candidates_per_assessor_limit()
    placed = (
        Assessment.objects.filter(event=event, assessor=assessor)
        .exclude(state__in=Assessment.TERMINAL_STATES)
        .count()
    )
    if placed + adding > limit:
        return _(
            "%(name)s already has %(placed)s candidates at this event; the limit is %(limit)s."
        ) % {"name": assessor, "placed": placed, "limit": limit}
    return None


def pairing_conflict(*, assessor, candidate_id: int) -> ImpartialityDeclaration | None:
    """The conflict ``assessor`` declared with this candidate (in any assessment), or None."""
    return (
        ImpartialityDeclaration.objects.filter(
            assessor_id=assessor.pk, assessment__candidate_id=candidate_id
        )
        .exclude(relationship=ImpartialityDeclaration.Relationship.NONE)
        .first()
    )


def _check_pairing(
    *, event: AssessmentEvent, assessment: Assessment, assessor, actor, override_reason: str
) -> AssignmentOverride | None:
    """Refuse a conflicted pairing unless overridden; return the unsaved override record."""
    conflict = pairing_conflict(assessor=assessor, candidate_id=assessment.candidate_id)
    if conflict is None:
        return None
    if not override_reason.strip():
        raise ValidationError(
            _(
                "%(name)s declared a conflict of interest with this candidate (%(relationship)s). "
                "Place the candidate with another assessor, or have another admin override it "
                "with a reason."
            )
            % {"name": assessor, "relationship": conflict.get_relationship_display()},
            code="conflict",
        )
    assignment = EventAssessor.objects.filter(event=event, assessor=assessor).first()
    assigned_by_id = assignment.assigned_by_id if assignment else None
    if assigned_by_id is not None and assigned_by_id == actor.pk:
        raise PermissionDenied(
            _(
                "A conflict can only be overridden by an admin other than the one who "
                "assigned this assessor to the event."
            )
        )
    return AssignmentOverride(
        assessment=assessment,
        assessor=assessor,
        assigned_by_id=assigned_by_id,
        approved_by=actor,
        reason=override_reason.strip(),
    )


# --- assessors ----------------------------------------------------------------------------------


@transaction.atomic
def assessor_register(
    *,
    actor,
    email: str,
    full_name: str,
    met_number: str,
    licence_valid_until: datetime.date,
    scope=(),
    status: str = AssessorProfile.Status.ACTIVE,
    phone: str = "",
) -> AssessorProfile:
    """Register an assessor: link the user with this email (created, without a usable password,
    if new: they set one through password reset) and give them the assessor role and profile.
    Refuses a user who already has an assessor profile and a malformed MET number."""
    _require_admin(actor)
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email.strip()).lower()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_model(email=email, full_name=full_name.strip(), is_assessor=True)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        _save(user, reason="assessor registered", actor=actor)
    else:
        if AssessorProfile.objects.filter(user=user).exists():
            raise ValidationError(
                _("This user is already registered as an assessor."), code="already_assessor"
            )
        user.is_assessor = True
        _save(user, reason="assessor role given", actor=actor, fields=["is_assessor"])
    profile = AssessorProfile(
        user=user,
        met_number=met_number.strip(),
        licence_valid_until=licence_valid_until,
        status=status,
        phone=phone.strip(),
    )
    profile.full_clean(exclude=["user"])
    _save(profile, reason="assessor registered", actor=actor)
    profile.scope.set(list(scope))
    return profile


@transaction.atomic
def assessor_update(
    *, actor, profile_id: int, reason: str = "", scope=None, **fields
) -> AssessorProfile:
    """Change an assessor's MET number, licence date, status or phone (and scope); the history
    row carries ``reason`` (e.g. "licence renewed")."""
    _require_admin(actor)
    allowed = {"met_number", "licence_valid_until", "status", "phone"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    profile = AssessorProfile.objects.select_for_update().get(pk=profile_id)
    for name, value in fields.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    profile.full_clean(exclude=["user"])
    _save(
        profile,
        reason=f"assessor updated: {reason}".rstrip(": "),
        actor=actor,
        fields=list(fields) or ["status"],
    )
    if scope is not None:
        profile.scope.set(list(scope))
    return profile


def licence_warnings_send(*, today: datetime.date | None = None) -> int:
    """Warn each assessor and the LSP admins when a licence ends in exactly 90, 30 or 7 days.

    Safe to run twice a day: a cache key per profile, day and threshold marks a warning as sent.
    Returns the number of assessors warned."""
    today = today or timezone.localdate()
    days_by_date = {today + datetime.timedelta(days=d): d for d in LICENCE_WARNING_DAYS}
    profiles = AssessorProfile.objects.select_related("user").filter(
        licence_valid_until__in=list(days_by_date), user__is_active=True
    )
    admins = list(get_user_model().objects.filter(is_lsp_admin=True, is_active=True))
    sent = 0
    for profile in profiles:
        days = days_by_date[profile.licence_valid_until]
        key = f"kompeten:licence-warning:{profile.pk}:{today.isoformat()}:{days}"
        if not cache.add(key, 1, timeout=60 * 60 * 48):
            continue
        params = {"name": profile.user, "days": days, "until": profile.licence_valid_until}
        with transaction.atomic():
            notify(
                recipient=profile.user,
                title=gettext_lazy("Your assessor licence ends soon"),
                body=_("Your licence (%(met)s) ends on %(until)s, in %(days)s days.")
                % {**params, "met": profile.met_number},
            )
            for admin in admins:
                notify(
                    recipient=admin,
                    title=gettext_lazy("An assessor licence ends soon"),
                    body=_("The licence of %(name)s ends on %(until)s, in %(days)s days.") % params,
                    url=reverse("assessments:admin_assessor_edit", args=[profile.pk]),
                )
        sent += 1
    return sent


# --- TUK ----------------------------------------------------------------------------------------

TUK_FIELDS = (
    "code",
    "name",
    "tuk_type",
    "address",
    "city",
    "time_zone",
    "contact_name",
    "contact_phone",
)


@transaction.atomic
def tuk_register(*, actor, **fields) -> TUK:
    """Register a TUK; it starts unverified (no event can be scheduled there yet)."""
    _require_admin(actor)
    tuk = TUK(**{k: v for k, v in fields.items() if k in TUK_FIELDS})
    tuk.full_clean()
    _save(tuk, reason="TUK registered", actor=actor)
    return tuk


@transaction.atomic
def tuk_update(*, actor, tuk_id: int, **fields) -> TUK:
    """Change a TUK's details (not its verification: that is ``tuk_verify``)."""
    _require_admin(actor)
    tuk = TUK.objects.select_for_update().get(pk=tuk_id)
    changed = [k for k in fields if k in TUK_FIELDS]
    for name in changed:
        setattr(tuk, name, fields[name])
    tuk.full_clean()
    _save(tuk, reason="TUK updated", actor=actor, fields=changed or ["name"])
    return tuk


@transaction.atomic
def tuk_verify(
    *,
    actor,
    tuk_id: int,
    checklist: list[dict],
    conclusion: str,
    verifier,
    verified_on: datetime.date,
    note: str = "",
) -> TUKVerification:
    """Record a TUK verification (checklist of facilities and equipment) and set the TUK's
    status from its conclusion. "Sesuai" needs every item present and fit."""
    _require_admin(actor)
    if conclusion not in TUKVerification.Conclusion.values:
        raise ValidationError(_("Choose the conclusion."), code="conclusion")
    if not checklist:
        raise ValidationError(_("The checklist is empty."), code="empty_checklist")
    if conclusion == TUKVerification.Conclusion.SESUAI and not all(
        row.get("available") and row.get("suitable") for row in checklist
    ):
        raise ValidationError(
            _("A TUK with an item missing or unfit cannot be concluded Sesuai."),
            code="not_all_fit",
        )
    if verified_on > timezone.localdate():
        raise ValidationError(_("The verification date is in the future."), code="future")
    tuk = TUK.objects.select_for_update().get(pk=tuk_id)
    record = TUKVerification(
        tuk=tuk,
        checklist=checklist,
        conclusion=conclusion,
        note=note,
        verifier=verifier,
        verified_on=verified_on,
        recorded_by=actor,
    )
    _save(record, reason="TUK verification recorded", actor=actor)
    tuk.verification_status = conclusion
    tuk.verified_on = verified_on
    tuk.verified_by = verifier
    _save(
        tuk,
        reason=f"verified: {conclusion}",
        actor=actor,
        fields=["verification_status", "verified_on", "verified_by"],
    )
    return record


# --- events -------------------------------------------------------------------------------------


def _to_utc(local: datetime.datetime, tuk: TUK) -> datetime.datetime:
    # Admins type the TUK's wall-clock time (08:00 WITA); a naive value is read in that zone.
    if timezone.is_aware(local):
        local = timezone.make_naive(local, tuk.tzinfo)
    return timezone.make_aware(local, tuk.tzinfo).astimezone(datetime.UTC)


def _check_event_setup(*, scheme_version, tuk: TUK) -> None:
    if scheme_version.status != scheme_version.Status.PUBLISHED:
        raise ValidationError(
            _("Events can only be scheduled for a published scheme version."),
            code="unpublished",
        )
    if not tuk.is_verified:
        raise ValidationError(
            _("The TUK %(tuk)s is not verified as Sesuai: no event can be scheduled there.")
            % {"tuk": tuk},
            code="tuk_unverified",
        )


@transaction.atomic
def event_schedule(
    *,
    actor,
    code: str,
    name: str,
    scheme_version,
    tuk: TUK,
    local_starts_at: datetime.datetime,
    local_ends_at: datetime.datetime,
    quota: int,
) -> AssessmentEvent:
    """Schedule an event: a published scheme version at a verified TUK. The times are the
    TUK's local time (WIB/WITA/WIT) and are stored in UTC."""
    _require_admin(actor)
    tuk = TUK.objects.select_for_update().get(pk=tuk.pk)
    _check_event_setup(scheme_version=scheme_version, tuk=tuk)
    event = AssessmentEvent(
        code=code.strip(),
        name=name.strip(),
        scheme_version=scheme_version,
        tuk=tuk,
        starts_at=_to_utc(local_starts_at, tuk),
        ends_at=_to_utc(local_ends_at, tuk),
        quota=quota,
    )
    if event.ends_at <= event.starts_at:
        raise ValidationError(_("The event must end after it starts."), code="ends_before")
    event.full_clean(exclude=["status"])
    _save(event, reason="event scheduled", actor=actor)
    return event


@transaction.atomic
def event_update(
    *,
    actor,
    event_id: int,
    name: str,
    local_starts_at: datetime.datetime,
    local_ends_at: datetime.datetime,
    quota: int,
) -> AssessmentEvent:
    """Change an event's name, time (TUK local time) and quota before it is done."""
    _require_admin(actor)
    event = AssessmentEvent.objects.select_for_update().select_related("tuk").get(pk=event_id)
    if event.status in (AssessmentEvent.Status.DONE, AssessmentEvent.Status.CANCELLED):
        raise ValidationError(_("The event is cancelled or already done."), code="event_closed")
    event.name = name.strip()
    event.starts_at = _to_utc(local_starts_at, event.tuk)
    event.ends_at = _to_utc(local_ends_at, event.tuk)
    event.quota = quota
    if event.ends_at <= event.starts_at:
        raise ValidationError(_("The event must end after it starts."), code="ends_before")
    placed = event.assessments.exclude(state__in=Assessment.TERMINAL_STATES).count()
    if quota < placed:
        raise ValidationError(
            _("%(placed)s candidates are already placed; the quota cannot be lower.")
            % {"placed": placed},
            code="quota_below_placed",
        )
    event.full_clean(exclude=["status"])
    _save(
        event, reason="event updated", actor=actor, fields=["name", "starts_at", "ends_at", "quota"]
    )
    return event


def _event_transition(method: str, reason: str):
    @transaction.atomic
    def service(*, event_id: int, actor) -> AssessmentEvent:
        _require_admin(actor)
        event = AssessmentEvent.objects.select_for_update().get(pk=event_id)
        if method == "open":
            _check_event_setup(scheme_version=event.scheme_version, tuk=event.tuk)
        try:
            getattr(event, method)()
        except TransitionNotAllowed as exc:
            raise ValidationError(
                _("This is not possible while the event is %(status)s.")
                % {"status": event.get_status_display()},
                code="wrong_state",
            ) from exc
        _save(event, reason=reason, actor=actor, fields=["status"])
        return event

    service.__doc__ = f"LSP admin: event {reason}."
    return service


event_open = _event_transition("open", "opened for registration")
event_close = _event_transition("close", "registration closed")
event_finish = _event_transition("finish", "finished")
event_cancel = _event_transition("cancel", "cancelled")


@transaction.atomic
def event_assign_assessor(*, event_id: int, actor, assessor_id: int) -> EventAssessor:
    """Assign an assessor to an event. Refuses (with the reason) an assessor whose licence is
    expired on the event date or whose scope lacks the scheme (never overridable), or who
    already has as many candidates at this event as the candidates-per-assessor limit."""
    _require_admin(actor)
    event = (
        AssessmentEvent.objects.select_for_update(of=("self",))
        .select_related("tuk", "scheme_version__scheme")
        .get(pk=event_id)
    )
    if event.status in (AssessmentEvent.Status.DONE, AssessmentEvent.Status.CANCELLED):
        raise ValidationError(_("The event is cancelled or already done."), code="event_closed")
    assessor = get_user_model().objects.get(pk=assessor_id)
    refusal = assignment_refusal(event=event, assessor=assessor)
    if refusal:
        raise ValidationError(refusal, code="not_eligible")
    if EventAssessor.objects.filter(event=event, assessor=assessor).exists():
        raise ValidationError(
            _("%(name)s is already assigned to this event.") % {"name": assessor},
            code="already_assigned",
        )
    refusal = _capacity_refusal(event=event, assessor=assessor, adding=1)
    if refusal:
        raise ValidationError(refusal, code="capacity")
    assignment = EventAssessor(event=event, assessor=assessor, assigned_by=actor)
    _save(assignment, reason="assessor assigned", actor=actor)
    notify(
        recipient=assessor,
        title=gettext_lazy("You are assigned to an assessment event"),
        body=str(event),
        url=reverse("assessments:event_detail", args=[event.pk]),
    )
    return assignment


def _assigned(event: AssessmentEvent, assessor) -> None:
    if not EventAssessor.objects.filter(event=event, assessor=assessor).exists():
        raise ValidationError(
            _("%(name)s is not assigned to this event.") % {"name": assessor},
            code="not_assigned",
        )


@transaction.atomic
def event_place_candidate(
    *, event_id: int, actor, assessment_id: int, assessor_id: int, override_reason: str = ""
) -> Assessment:
    """Place an accepted candidate of the event's scheme version in the event with one of its
    assessors (then ``assessment_schedule`` schedules and notifies). Refuses an ineligible
    assessor, one at the candidates limit, and a declared conflict unless overridden."""
    _require_admin(actor)
    event = (
        AssessmentEvent.objects.select_for_update(of=("self",))
        .select_related("tuk", "scheme_version__scheme")
        .get(pk=event_id)
    )
    assessor = get_user_model().objects.get(pk=assessor_id)
    assessment = Assessment.objects.get(pk=assessment_id)
    _assigned(event, assessor)
    refusal = assignment_refusal(event=event, assessor=assessor) or _capacity_refusal(
        event=event, assessor=assessor, adding=1
    )
    if refusal:
        raise ValidationError(refusal, code="not_eligible")
    override = _check_pairing(
        event=event,
        assessment=assessment,
        assessor=assessor,
        actor=actor,
        override_reason=override_reason,
    )
    assessment = assessment_schedule(
        assessment_id=assessment_id, actor=actor, event=event, assessor=assessor
    )
    if override is not None:
        _save(override, reason="conflict overridden", actor=actor)
    return assessment


@transaction.atomic
def assessment_reassign(
    *, assessment_id: int, actor, assessor_id: int, override_reason: str = ""
) -> Assessment:
    """Move a placed candidate to another assessor of the same event (e.g. after their
    assessor declared a conflict). The new assessor must be eligible, within the candidates
    limit and without a declared conflict with the candidate, unless an admin other than the
    one who assigned them to the event overrides it with a reason (recorded)."""
    _require_admin(actor)
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("event__tuk", "event__scheme_version__scheme")
        .get(pk=assessment_id)
    )
    if assessment.state not in PLACEABLE_STATES or assessment.event is None:
        raise ValidationError(
            _("Only a scheduled candidate whose assessment has not started can be moved."),
            code="wrong_state",
        )
    event = assessment.event
    assessor = get_user_model().objects.get(pk=assessor_id)
    if assessor.pk == assessment.assessor_id:
        raise ValidationError(
            _("The candidate is already placed with this assessor."), code="same_assessor"
        )
    if assessor.pk == assessment.candidate_id:
        raise ValidationError(
            _("A candidate cannot be their own assessor."), code="self_assessment"
        )
    _assigned(event, assessor)
    refusal = assignment_refusal(event=event, assessor=assessor) or _capacity_refusal(
        event=event, assessor=assessor, adding=1
    )
    if refusal:
        raise ValidationError(refusal, code="not_eligible")
    override = _check_pairing(
        event=event,
        assessment=assessment,
        assessor=assessor,
        actor=actor,
        override_reason=override_reason,
    )
    previous = assessment.assessor
    assessment.assessor = assessor
    _save(
        assessment,
        reason=f"reassigned from {previous} to {assessor}",
        actor=actor,
        fields=["assessor"],
    )
    if override is not None:
        _save(override, reason="conflict overridden", actor=actor)
    notify(
        recipient=assessor,
        title=gettext_lazy("A candidate was placed with you"),
        body=str(assessment),
        url=reverse("assessments:event_detail", args=[event.pk]),
    )
    return assessment

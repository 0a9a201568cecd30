"""The assessment services: who may call each one, what they refuse, the audit row each state change
leaves, and the notifications (with their email copy) that go to the candidate."""

import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext_lazy

from assessments import services
from assessments.models import Assessment, AssessmentEvent, EventAssessor, Notification
from assessments.services import TransitionRefused, transitions
from assessments.tasks import send_notification_email
from schemes.services import scheme_version_retire
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State


@pytest.fixture
def mail_dir(settings, tmp_path) -> Path:
    """The project's file backend writing to a folder of this test's own. pytest-django swaps in
    the locmem backend for every test; the .eml files are what a worker and the tests share."""
    settings.EMAIL_BACKEND = "certification.mail.FileAndConsoleBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def _emails(mail_dir: Path) -> list[str]:
    if not mail_dir.exists():
        return []
    return [path.read_text() for path in sorted(mail_dir.glob("*.eml"))]


def _unchanged(assessment: Assessment, state: str, history_rows: int) -> None:
    assessment.refresh_from_db()
    assert assessment.state == state
    assert assessment.history.count() == history_rows


def _scheduled_event(assessment: Assessment, assessor, **kwargs) -> AssessmentEvent:
    event = factories.AssessmentEventFactory(scheme_version=assessment.scheme_version, **kwargs)
    EventAssessor.objects.create(event=event, assessor=assessor)
    assessor.assessor_profile.scope.add(event.scheme_version.scheme_id)
    return event


# --- creating an application --------------------------------------------------------------------


def test_create_opens_a_draft_with_an_audit_row(candidate, scheme_version):
    assessment = services.assessment_create(candidate=candidate, scheme_version=scheme_version)
    assert assessment.state == S.DRAFT
    row = assessment.history.get()
    assert (row.history_type, row.history_change_reason, row.history_user) == (
        "+",
        "created",
        candidate,
    )


def test_an_admin_can_open_an_application_for_a_candidate(candidate, admin_user, scheme_version):
    assessment = services.assessment_create(
        candidate=candidate, scheme_version=scheme_version, actor=admin_user
    )
    assert assessment.candidate == candidate
    assert assessment.history.get().history_user == admin_user


def test_another_candidate_cannot_open_an_application_for_someone(
    candidate, other_candidate, scheme_version
):
    with pytest.raises(PermissionDenied):
        services.assessment_create(
            candidate=candidate, scheme_version=scheme_version, actor=other_candidate
        )
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_create_refuses_a_scheme_version_that_is_not_published(status, candidate, admin_user):
    version = factories.make_scheme_version(units=1, publish=status != "draft")
    if status == "retired":
        version = scheme_version_retire(version_id=version.pk, actor=admin_user)
    with pytest.raises(ValidationError) as info:
        services.assessment_create(candidate=candidate, scheme_version=version)
    assert info.value.code == "unpublished"
    assert not Assessment.objects.exists()


def test_create_refuses_a_second_open_application_with_a_clear_error(candidate, scheme_version):
    services.assessment_create(candidate=candidate, scheme_version=scheme_version)
    with pytest.raises(ValidationError) as info:
        services.assessment_create(candidate=candidate, scheme_version=scheme_version)
    assert info.value.code == "already_open"
    assert Assessment.objects.count() == 1


def test_create_refuses_a_reassessment_of_another_candidates_record(
    candidate, other_candidate, scheme_version
):
    earlier = factories.assessment_in_state(
        S.WITHDRAWN, candidate=other_candidate, scheme_version=scheme_version
    )
    with pytest.raises(ValidationError) as info:
        services.assessment_create(
            candidate=candidate, scheme_version=scheme_version, previous=earlier
        )
    assert info.value.code == "previous_other_candidate"


def test_create_refuses_other_purpose_without_a_name(candidate, scheme_version):
    with pytest.raises(ValidationError):
        services.assessment_create(
            candidate=candidate, scheme_version=scheme_version, purpose=Assessment.Purpose.OTHER
        )
    assert not Assessment.objects.exists()


def test_the_state_cannot_be_assigned_directly(candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    with pytest.raises(AttributeError):
        assessment.state = S.DECIDED
    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT


# --- who may do what ----------------------------------------------------------------------------


def test_only_the_candidate_can_submit(other_candidate, admin_user):
    assessment = factories.assessment_in_state(S.DRAFT)
    rows = assessment.history.count()
    for actor in [other_candidate, admin_user]:
        with pytest.raises(PermissionDenied):
            services.assessment_submit(assessment_id=assessment.pk, actor=actor)
    _unchanged(assessment, S.DRAFT, rows)


@pytest.mark.parametrize("service", [services.assessment_accept, services.assessment_reject])
def test_a_candidate_or_assessor_cannot_decide_an_application(service, assessor):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    rows = assessment.history.count()
    for actor in [assessment.candidate, assessor]:
        with pytest.raises(PermissionDenied):
            service(assessment_id=assessment.pk, actor=actor)
    _unchanged(assessment, S.SUBMITTED, rows)


def test_only_an_admin_returns_a_submitted_application(assessor):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    rows = assessment.history.count()
    for actor in [assessment.candidate, assessor]:
        with pytest.raises(PermissionDenied):
            services.assessment_return(
                assessment_id=assessment.pk, actor=actor, note="Foto", sections=["apl01"]
            )
    _unchanged(assessment, S.SUBMITTED, rows)


def test_only_the_assigned_assessor_returns_a_scheduled_assessment(
    assessor, other_assessor, admin_user
):
    assessment = factories.assessment_in_state(S.SCHEDULED, assessor=assessor)
    rows = assessment.history.count()
    for actor in [other_assessor, admin_user, assessment.candidate]:
        with pytest.raises(PermissionDenied):
            services.assessment_return(
                assessment_id=assessment.pk,
                actor=actor,
                note="APL.02 belum lengkap",
                sections=["apl02"],
            )
    _unchanged(assessment, S.SCHEDULED, rows)
    services.assessment_return(
        assessment_id=assessment.pk, actor=assessor, note="APL.02 belum lengkap", sections=["apl02"]
    )
    assessment.refresh_from_db()
    assert assessment.state == S.RETURNED
    assert assessment.returned_sections == ["apl02"]
    assert assessment.state_note == "APL.02 belum lengkap"


@pytest.mark.parametrize("note", ["", "   \n"])
def test_return_needs_a_note(note, admin_user):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    rows = assessment.history.count()
    with pytest.raises(ValidationError) as info:
        services.assessment_return(
            assessment_id=assessment.pk, actor=admin_user, note=note, sections=["apl01"]
        )
    assert info.value.code == "note_required"
    _unchanged(assessment, S.SUBMITTED, rows)


def test_resubmitting_clears_the_sections_to_revise(admin_user):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    services.assessment_return(
        assessment_id=assessment.pk, actor=admin_user, note="KTP buram", sections=["apl01"]
    )
    services.assessment_submit(assessment_id=assessment.pk, actor=assessment.candidate)
    assessment.refresh_from_db()
    assert (assessment.state, assessment.returned_sections) == (S.SUBMITTED, [])


def test_only_an_admin_schedules(assessor):
    assessment = factories.assessment_in_state(S.ACCEPTED)
    event = _scheduled_event(assessment, assessor)
    rows = assessment.history.count()
    for actor in [assessment.candidate, assessor]:
        with pytest.raises(PermissionDenied):
            services.assessment_schedule(
                assessment_id=assessment.pk, actor=actor, event=event, assessor=assessor
            )
    _unchanged(assessment, S.ACCEPTED, rows)


ASSESSOR_STEPS = [
    (services.assessment_clear, S.SCHEDULED),
    (services.assessment_prepare, S.CLEARED),
    (services.assessment_start, S.PREPARED),
    (services.assessment_recommend, S.IN_PROGRESS),
    (services.assessment_report, S.RECOMMENDED),
]


@pytest.mark.parametrize(("service", "state"), ASSESSOR_STEPS)
def test_only_the_assigned_assessor_takes_the_assessor_steps(
    service, state, assessor, other_assessor, admin_user
):
    assessment = factories.assessment_in_state(state, assessor=assessor)
    rows = assessment.history.count()
    for actor in [other_assessor, admin_user, assessment.candidate]:
        with pytest.raises(PermissionDenied):
            service(assessment_id=assessment.pk, actor=actor)
    _unchanged(assessment, state, rows)
    service(assessment_id=assessment.pk, actor=assessor)
    assessment.refresh_from_db()
    assert assessment.state != state


def test_an_assessor_who_lost_the_assessor_role_cannot_clear(assessor):
    assessment = factories.assessment_in_state(S.SCHEDULED, assessor=assessor)
    assessor.is_assessor = False
    assessor.save(update_fields=["is_assessor"])
    with pytest.raises(PermissionDenied):
        services.assessment_clear(assessment_id=assessment.pk, actor=assessor)


def test_only_a_decision_maker_decides(admin_user, assessor):
    assessment = factories.assessment_in_state(S.REPORTED)
    rows = assessment.history.count()
    for actor in [admin_user, assessor, assessment.candidate]:
        with pytest.raises(PermissionDenied):
            services.assessment_decide(assessment_id=assessment.pk, actor=actor)
    _unchanged(assessment, S.REPORTED, rows)


def test_a_decision_maker_who_assessed_the_candidate_cannot_decide(decision_maker):
    assessor_and_judge = factories.AssessorProfileFactory(user__is_decision_maker=True).user
    assessment = factories.assessment_in_state(S.REPORTED, assessor=assessor_and_judge)
    rows = assessment.history.count()
    with pytest.raises(PermissionDenied):
        services.assessment_decide(assessment_id=assessment.pk, actor=assessor_and_judge)
    _unchanged(assessment, S.REPORTED, rows)
    services.assessment_decide(assessment_id=assessment.pk, actor=decision_maker)
    assessment.refresh_from_db()
    assert assessment.state == S.DECIDED


def test_a_decision_maker_cannot_decide_on_their_own_certification():
    staff = factories.DecisionMakerUserFactory(is_candidate=True)
    assessment = factories.assessment_in_state(S.REPORTED, candidate=staff)
    rows = assessment.history.count()
    with pytest.raises(PermissionDenied):
        services.assessment_decide(assessment_id=assessment.pk, actor=staff)
    _unchanged(assessment, S.REPORTED, rows)


def test_only_an_admin_reopens(assessor, decision_maker):
    assessment = factories.assessment_in_state(S.REPORTED, assessor=assessor)
    rows = assessment.history.count()
    for actor in [assessor, decision_maker, assessment.candidate]:
        with pytest.raises(PermissionDenied):
            services.assessment_reopen(
                assessment_id=assessment.pk, actor=actor, reason="Koreksi nilai"
            )
    _unchanged(assessment, S.REPORTED, rows)


@pytest.mark.parametrize("reason", ["", "  "])
def test_reopen_needs_a_reason(reason, admin_user):
    assessment = factories.assessment_in_state(S.REPORTED)
    rows = assessment.history.count()
    with pytest.raises(ValidationError) as info:
        services.assessment_reopen(assessment_id=assessment.pk, actor=admin_user, reason=reason)
    assert info.value.code == "reason_required"
    _unchanged(assessment, S.REPORTED, rows)


def test_only_an_admin_records_a_no_show(assessor):
    assessment = factories.assessment_in_state(S.SCHEDULED, assessor=assessor)
    rows = assessment.history.count()
    for actor in [assessor, assessment.candidate]:
        with pytest.raises(PermissionDenied):
            services.assessment_mark_absent(assessment_id=assessment.pk, actor=actor)
    _unchanged(assessment, S.SCHEDULED, rows)


def test_only_the_candidate_or_an_admin_withdraws(other_candidate, assessor, admin_user):
    assessment = factories.assessment_in_state(S.SCHEDULED, assessor=assessor)
    rows = assessment.history.count()
    for actor in [other_candidate, assessor]:
        with pytest.raises(PermissionDenied):
            services.assessment_withdraw(assessment_id=assessment.pk, actor=actor, reason="Sakit")
    _unchanged(assessment, S.SCHEDULED, rows)
    services.assessment_withdraw(
        assessment_id=assessment.pk,
        actor=admin_user,
        reason="Asesi mengundurkan diri lewat telepon",
    )
    assessment.refresh_from_db()
    assert assessment.state == S.WITHDRAWN


@pytest.mark.parametrize("reason", ["", " \t"])
def test_withdraw_needs_a_reason(reason):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    rows = assessment.history.count()
    with pytest.raises(ValidationError) as info:
        services.assessment_withdraw(
            assessment_id=assessment.pk, actor=assessment.candidate, reason=reason
        )
    assert info.value.code == "reason_required"
    _unchanged(assessment, S.SUBMITTED, rows)


def test_a_refused_transition_names_the_current_state(admin_user):
    assessment = factories.assessment_in_state(S.DRAFT)
    with translation.override("en"), pytest.raises(TransitionRefused) as info:
        services.assessment_accept(assessment_id=assessment.pk, actor=admin_user)
    assert info.value.code == "wrong_state"
    assert "Draft" in info.value.messages[0]


# --- audit: every state change leaves a history row with the service's reason and actor ---------

# method -> (source state, who acts, expected change reason); reasons written out on purpose.
AUDIT = {
    "submit": (S.DRAFT, "candidate", "submitted by candidate"),
    "return": (S.SUBMITTED, "admin", "returned for revision"),
    "accept": (S.SUBMITTED, "admin", "APL.01 accepted (diterima)"),
    "reject": (S.SUBMITTED, "admin", "APL.01 rejected (tidak diterima)"),
    "schedule": (S.ACCEPTED, "admin", "scheduled"),
    "clear": (S.SCHEDULED, "assessor", "APL.02 reviewed: dapat dilanjutkan"),
    "prepare": (S.CLEARED, "assessor", "preparation complete"),
    "start": (S.PREPARED, "assessor", "assessment started"),
    "recommend": (S.IN_PROGRESS, "assessor", "recommendation recorded"),
    "report": (S.RECOMMENDED, "assessor", "report submitted; record locked"),
    "decide": (S.REPORTED, "decision_maker", "certification decision"),
    "reopen": (S.REPORTED, "admin", "reopened: Nilai IA.01 salah input"),
    "mark_absent": (S.SCHEDULED, "admin", "absent (no-show)"),
    "withdraw": (S.SUBMITTED, "candidate", "withdrawn: Pindah kota"),
}


def _run(method: str, assessment: Assessment, actor) -> Assessment:
    pk = assessment.pk
    calls = {
        "submit": lambda: services.assessment_submit(assessment_id=pk, actor=actor),
        "return": lambda: services.assessment_return(
            assessment_id=pk, actor=actor, note="Lengkapi ijazah", sections=["apl01"]
        ),
        "accept": lambda: services.assessment_accept(assessment_id=pk, actor=actor),
        "reject": lambda: services.assessment_reject(
            assessment_id=pk, actor=actor, note="Tidak memenuhi persyaratan dasar"
        ),
        "decide": lambda: services.assessment_decide(assessment_id=pk, actor=actor),
        "reopen": lambda: services.assessment_reopen(
            assessment_id=pk, actor=actor, reason="Nilai IA.01 salah input"
        ),
        "mark_absent": lambda: services.assessment_mark_absent(assessment_id=pk, actor=actor),
        "withdraw": lambda: services.assessment_withdraw(
            assessment_id=pk, actor=actor, reason="Pindah kota"
        ),
    }
    if method == "schedule":
        assessor = factories.AssessorProfileFactory().user
        event = _scheduled_event(assessment, assessor)
        return services.assessment_schedule(
            assessment_id=pk, actor=actor, event=event, assessor=assessor
        )
    if method in calls:
        return calls[method]()
    return getattr(services, f"assessment_{method}")(assessment_id=pk, actor=actor)


@pytest.mark.parametrize("method", AUDIT)
def test_each_state_change_leaves_a_history_row_with_reason_and_actor(
    method, admin_user, decision_maker
):
    state, role, reason = AUDIT[method]
    assessment = factories.assessment_in_state(state)
    actor = {
        "candidate": assessment.candidate,
        "admin": admin_user,
        "assessor": assessment.assessor,
        "decision_maker": decision_maker,
    }[role]
    before = assessment.history.count()
    result = _run(method, assessment, actor)
    assert assessment.history.count() == before + 1
    row = assessment.history.first()
    assert row.history_type == "~"
    assert row.history_change_reason == reason
    assert row.history_user == actor
    assert row.state == result.state != state


def test_report_stamps_the_report_date_and_locks_the_record(assessor):
    assessment = factories.assessment_in_state(S.RECOMMENDED, assessor=assessor)
    assert not assessment.is_locked
    services.assessment_report(assessment_id=assessment.pk, actor=assessor)
    assessment.refresh_from_db()
    assert assessment.reported_at == assessment.state_changed_at
    assert assessment.is_locked


# --- notifications and their email --------------------------------------------------------------

NOTIFYING = {
    "return": (S.SUBMITTED, "Your application needs revision"),
    "accept": (S.SUBMITTED, "Your application was accepted"),
    "reject": (S.SUBMITTED, "Your application was not accepted"),
    "schedule": (S.ACCEPTED, "Your assessment is scheduled"),
}


@pytest.mark.parametrize("method", NOTIFYING)
def test_the_candidate_is_notified_and_emailed(
    method, admin_user, mail_dir, django_capture_on_commit_callbacks
):
    state, title = NOTIFYING[method]
    # English, so that the test does not depend on the Indonesian catalogue being filled in.
    assessment = factories.assessment_in_state(state, candidate__language="en")
    earlier = list(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _run(method, assessment, admin_user)
    assert len(callbacks) == 1
    notification = Notification.objects.exclude(pk__in=earlier).get()
    assert notification.recipient == assessment.candidate
    assert notification.title == title
    assert notification.url.startswith("/")
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    [email] = _emails(mail_dir)
    assert f"Subject: {title}" in email
    assert f"To: {assessment.candidate.email}" in email


@pytest.mark.parametrize("method", ["clear", "prepare", "start", "recommend", "report"])
def test_assessor_steps_do_not_notify_the_candidate(method, django_capture_on_commit_callbacks):
    state = AUDIT[method][0]
    assessment = factories.assessment_in_state(state)
    before = Notification.objects.filter(recipient=assessment.candidate).count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _run(method, assessment, assessment.assessor)
    assert callbacks == []
    assert Notification.objects.filter(recipient=assessment.candidate).count() == before


def test_the_email_is_sent_only_after_commit(
    admin_user, mail_dir, django_capture_on_commit_callbacks
):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.assessment_accept(assessment_id=assessment.pk, actor=admin_user)
    assert len(callbacks) == 1
    assert _emails(mail_dir) == []
    assert Notification.objects.get(recipient=assessment.candidate).emailed_at is None


def test_the_email_task_is_safe_to_run_twice(candidate, mail_dir):
    notification = Notification.objects.create(
        recipient=candidate, title="Jadwal asesmen", body="Senin, 09.00 WITA", url="/assessments/7/"
    )
    send_notification_email.delay(notification.pk)
    notification.refresh_from_db()
    first_sent = notification.emailed_at
    send_notification_email.delay(notification.pk)
    notification.refresh_from_db()
    assert first_sent is not None
    assert notification.emailed_at == first_sent
    [email] = _emails(mail_dir)
    assert "/assessments/7/" in email


def test_the_email_task_ignores_a_deleted_notification(candidate, mail_dir):
    notification = Notification.objects.create(recipient=candidate, title="Dihapus")
    pk = notification.pk
    notification.delete()
    send_notification_email(pk)
    assert _emails(mail_dir) == []


@pytest.mark.parametrize(("language", "expected"), [("id", "Ya"), ("en", "Yes")])
def test_a_notification_title_is_written_in_the_recipients_language(language, expected):
    recipient = factories.CandidateUserFactory(language=language)
    # The acting admin works in the other language; Django's own catalogue translates "Yes".
    with translation.override("en" if language == "id" else "id"):
        notification = services.notify(recipient=recipient, title=gettext_lazy("Yes"))
    notification.refresh_from_db()
    assert notification.title == expected


# --- scheduling ---------------------------------------------------------------------------------


def test_schedule_places_the_candidate_with_the_assessor(admin_user, assessor):
    assessment = factories.assessment_in_state(S.ACCEPTED)
    event = _scheduled_event(assessment, assessor)
    services.assessment_schedule(
        assessment_id=assessment.pk, actor=admin_user, event=event, assessor=assessor
    )
    assessment.refresh_from_db()
    assert (assessment.state, assessment.event, assessment.assessor) == (
        S.SCHEDULED,
        event,
        assessor,
    )


def test_schedule_refuses_a_full_event(admin_user, assessor):
    placed = factories.assessment_in_state(S.ACCEPTED)
    event = _scheduled_event(placed, assessor, quota=1)
    services.assessment_schedule(
        assessment_id=placed.pk, actor=admin_user, event=event, assessor=assessor
    )
    waiting = factories.assessment_in_state(S.ACCEPTED, scheme_version=placed.scheme_version)
    rows = waiting.history.count()
    with pytest.raises(ValidationError) as info:
        services.assessment_schedule(
            assessment_id=waiting.pk, actor=admin_user, event=event, assessor=assessor
        )
    assert info.value.code == "event_full"
    _unchanged(waiting, S.ACCEPTED, rows)
    assert waiting.event is None


def test_a_withdrawn_candidate_frees_the_place(admin_user, assessor):
    placed = factories.assessment_in_state(S.ACCEPTED)
    event = _scheduled_event(placed, assessor, quota=1)
    services.assessment_schedule(
        assessment_id=placed.pk, actor=admin_user, event=event, assessor=assessor
    )
    services.assessment_withdraw(assessment_id=placed.pk, actor=placed.candidate, reason="Sakit")
    waiting = factories.assessment_in_state(S.ACCEPTED, scheme_version=placed.scheme_version)
    services.assessment_schedule(
        assessment_id=waiting.pk, actor=admin_user, event=event, assessor=assessor
    )
    waiting.refresh_from_db()
    assert waiting.event == event


def test_schedule_refuses_an_assessor_not_assigned_to_the_event(
    admin_user, assessor, other_assessor
):
    assessment = factories.assessment_in_state(S.ACCEPTED)
    event = _scheduled_event(assessment, assessor)
    rows = assessment.history.count()
    with pytest.raises(ValidationError) as info:
        services.assessment_schedule(
            assessment_id=assessment.pk, actor=admin_user, event=event, assessor=other_assessor
        )
    assert info.value.code == "not_assigned"
    _unchanged(assessment, S.ACCEPTED, rows)


def test_schedule_refuses_an_event_of_another_scheme_version(admin_user, assessor):
    assessment = factories.assessment_in_state(S.ACCEPTED)
    event = factories.AssessmentEventFactory()  # its own, published, scheme version
    EventAssessor.objects.create(event=event, assessor=assessor)
    assert event.scheme_version != assessment.scheme_version
    rows = assessment.history.count()
    with pytest.raises(ValidationError) as info:
        services.assessment_schedule(
            assessment_id=assessment.pk, actor=admin_user, event=event, assessor=assessor
        )
    assert info.value.code == "wrong_scheme"
    assert not isinstance(info.value, TransitionRefused)
    _unchanged(assessment, S.ACCEPTED, rows)
    assert assessment.event is None


def test_schedule_refuses_the_candidate_as_their_own_assessor(admin_user):
    staff_assessor = factories.AssessorProfileFactory(user__is_candidate=True).user
    assessment = factories.assessment_in_state(S.ACCEPTED, candidate=staff_assessor)
    event = _scheduled_event(assessment, staff_assessor)
    rows = assessment.history.count()
    with pytest.raises(ValidationError) as info:
        services.assessment_schedule(
            assessment_id=assessment.pk, actor=admin_user, event=event, assessor=staff_assessor
        )
    assert info.value.code == "self_assessment"
    _unchanged(assessment, S.ACCEPTED, rows)


@pytest.mark.parametrize("close", ["cancel", "finish"])
def test_schedule_refuses_a_cancelled_or_finished_event(close, admin_user, assessor):
    assessment = factories.assessment_in_state(S.ACCEPTED)
    event = _scheduled_event(assessment, assessor)
    event.open()
    getattr(event, close)()
    event.save(update_fields=["status"])
    rows = assessment.history.count()
    with pytest.raises(ValidationError) as info:
        services.assessment_schedule(
            assessment_id=assessment.pk, actor=admin_user, event=event, assessor=assessor
        )
    assert info.value.code == "event_closed"
    _unchanged(assessment, S.ACCEPTED, rows)


# --- PostgreSQL: two admins filling the last place at once --------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_filling_the_last_place_at_once_never_overfill_it(
    monkeypatch, admin_user, assessor
):
    placed = factories.assessment_in_state(S.ACCEPTED)
    event = _scheduled_event(placed, assessor, quota=2)
    services.assessment_schedule(
        assessment_id=placed.pk, actor=admin_user, event=event, assessor=assessor
    )
    contenders = [
        factories.assessment_in_state(S.ACCEPTED, scheme_version=placed.scheme_version)
        for _ in range(2)
    ]

    # Widen the window between counting the places and saving the placement, so that without
    # the event lock both threads would count one free place before either saves.
    real_transition = transitions._transition

    def slow_transition(**kwargs):
        time.sleep(0.5)
        return real_transition(**kwargs)

    monkeypatch.setattr(transitions, "_transition", slow_transition)
    barrier = threading.Barrier(len(contenders))
    outcomes: dict[int, str] = {}

    def place(assessment: Assessment) -> None:
        try:
            barrier.wait(timeout=10)
            services.assessment_schedule(
                assessment_id=assessment.pk, actor=admin_user, event=event, assessor=assessor
            )
            outcomes[assessment.pk] = "placed"
        except ValidationError as exc:
            outcomes[assessment.pk] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(a,)) for a in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["event_full", "placed"]
    assert event.assessments.exclude(state__in=Assessment.TERMINAL_STATES).count() == 2

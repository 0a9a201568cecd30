"""The candidate's services after the application: withdrawal, FR.AK.01 consent, FR.AK.03
feedback, evidence requests, notifications and the appeal window."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from assessments import services
from assessments.models import (
    AK03_ITEMS,
    Assessment,
    CandidateFeedback,
    ConsentTerms,
    EvidenceRequest,
    Form,
    Notification,
    Signature,
)
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State
YES = [True] * len(AK03_ITEMS)


def _in(state: str, **kwargs) -> Assessment:
    return factories.assessment_in_state(state, **kwargs)


def _codes(info) -> set:
    error = info.value
    if hasattr(error, "error_list"):
        return {e.code for e in error.error_list}
    return {error.code}


# --- withdraw ------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.SCHEDULED, S.PREPARED])
def test_the_candidate_withdraws_before_the_assessment_starts(state):
    assessment = _in(state)
    services.application_withdraw(
        assessment_id=assessment.pk, actor=assessment.candidate, reason="Pindah kerja"
    )
    assessment.refresh_from_db()
    assert assessment.state == S.WITHDRAWN
    assert assessment.state_note == "Pindah kerja"
    last = assessment.history.first()
    assert last.history_change_reason == "withdrawn: Pindah kerja"
    assert last.history_user == assessment.candidate


@pytest.mark.parametrize("state", [S.IN_PROGRESS, S.RECOMMENDED, S.REOPENED])
def test_the_candidate_cannot_withdraw_once_the_assessment_has_started(state):
    assessment = _in(state)
    with pytest.raises(ValidationError) as info:
        services.application_withdraw(
            assessment_id=assessment.pk, actor=assessment.candidate, reason="Sakit"
        )
    assert _codes(info) == {"started"}
    assessment.refresh_from_db()
    assert assessment.state == state


@pytest.mark.parametrize("state", [S.REJECTED, S.DECIDED, S.ABSENT, S.WITHDRAWN])
def test_withdrawing_a_closed_application_says_it_is_closed(state):
    assessment = _in(state)
    with pytest.raises(ValidationError) as info:
        services.application_withdraw(
            assessment_id=assessment.pk, actor=assessment.candidate, reason="Sakit"
        )
    assert _codes(info) == {"closed"}


def test_an_admin_may_withdraw_a_started_assessment(admin_user):
    assessment = _in(S.IN_PROGRESS)
    services.application_withdraw(assessment_id=assessment.pk, actor=admin_user, reason="Sakit")
    assessment.refresh_from_db()
    assert assessment.state == S.WITHDRAWN


def test_another_candidate_cannot_withdraw_an_application(other_candidate):
    assessment = _in(S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.application_withdraw(
            assessment_id=assessment.pk, actor=other_candidate, reason="Iseng"
        )
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawing_needs_a_reason(reason):
    assessment = _in(S.SUBMITTED)
    with pytest.raises(ValidationError):
        services.application_withdraw(
            assessment_id=assessment.pk, actor=assessment.candidate, reason=reason
        )
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_withdrawing_notifies_the_candidate_and_the_assigned_assessor(assessor):
    assessment = _in(S.SCHEDULED, assessor=assessor)
    earlier = set(Notification.objects.values_list("pk", flat=True))
    services.application_withdraw(
        assessment_id=assessment.pk, actor=assessment.candidate, reason="Sakit"
    )
    mine = Notification.objects.exclude(pk__in=earlier).get(
        recipient=assessment.candidate, url=f"/assessments/{assessment.pk}/"
    )
    assert mine.body == "Sakit"
    assert Notification.objects.filter(recipient=assessor).count() == 1


# --- FR.AK.01 consent ----------------------------------------------------------------------------


def _sign(assessment, actor, **kwargs):
    defaults = {"typed_name": actor.full_name, "agreed": True, "ip_address": "10.0.0.7"}
    return services.consent_sign(assessment_id=assessment.pk, actor=actor, **{**defaults, **kwargs})


@pytest.mark.parametrize("state", [S.SCHEDULED, S.CLEARED])
def test_the_candidate_signs_ak01_once_scheduled(state):
    assessment = _in(state)
    signature = _sign(assessment, assessment.candidate)
    assert signature.role == Signature.Role.CANDIDATE
    assert signature.document == Form.AK01
    assert signature.subject_type == ContentType.objects.get_for_model(Assessment)
    assert signature.subject_id == assessment.pk
    assert signature.ip_address == "10.0.0.7"
    terms = ConsentTerms.objects.get(assessment=assessment)
    assert terms.methods == list(ConsentTerms.DEFAULT_METHODS)


def test_signing_keeps_terms_the_assessor_already_set():
    assessment = _in(S.SCHEDULED)
    ConsentTerms.objects.create(assessment=assessment, methods=["tertulis"])
    _sign(assessment, assessment.candidate)
    assert ConsentTerms.objects.get(assessment=assessment).methods == ["tertulis"]


def test_the_name_may_differ_in_case_and_spaces():
    assessment = _in(S.SCHEDULED)
    name = "  " + assessment.candidate.full_name.upper().replace(" ", "   ") + " "
    assert _sign(assessment, assessment.candidate, typed_name=name).pk


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.PREPARED, S.DECIDED])
def test_the_candidate_cannot_sign_outside_the_consent_states(state):
    assessment = _in(state)
    with pytest.raises(ValidationError) as info:
        _sign(assessment, assessment.candidate)
    assert _codes(info) == {"wrong_state"}
    assert not Signature.objects.exists()


def test_signing_needs_the_ticked_box():
    assessment = _in(S.SCHEDULED)
    with pytest.raises(ValidationError) as info:
        _sign(assessment, assessment.candidate, agreed=False)
    assert _codes(info) == {"not_agreed"}
    assert not Signature.objects.exists()


def test_signing_needs_the_registered_full_name():
    assessment = _in(S.SCHEDULED)
    with pytest.raises(ValidationError) as info:
        _sign(assessment, assessment.candidate, typed_name="Orang Lain")
    assert _codes(info) == {"name_mismatch"}
    assert not Signature.objects.exists()


def test_the_candidate_signs_only_once():
    assessment = _in(S.SCHEDULED)
    _sign(assessment, assessment.candidate)
    with pytest.raises(ValidationError) as info:
        _sign(assessment, assessment.candidate)
    assert _codes(info) == {"already_signed"}
    assert Signature.objects.count() == 1


def test_someone_else_cannot_sign(other_candidate, admin_user):
    assessment = _in(S.SCHEDULED)
    for actor in (other_candidate, admin_user):
        with pytest.raises(PermissionDenied):
            _sign(assessment, actor)
    assert not Signature.objects.exists()


def test_the_assessor_signs_after_the_candidate(assessor):
    assessment = factories.assessor_may_act(_in(S.SCHEDULED, assessor=assessor))
    with pytest.raises(ValidationError) as info:
        _sign(assessment, assessor)
    assert _codes(info) == {"order"}
    _sign(assessment, assessment.candidate)
    assert _sign(assessment, assessor).role == Signature.Role.ASSESSOR


def test_the_assessor_is_told_when_the_candidate_has_signed(assessor):
    assessment = _in(S.SCHEDULED, assessor=assessor)
    _sign(assessment, assessment.candidate)
    notification = Notification.objects.get(recipient=assessor)
    assert assessment.candidate.full_name in notification.body


# --- FR.AK.03 feedback ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.RECOMMENDED, S.REPORTED, S.DECIDED])
def test_the_candidate_sends_feedback_after_the_recommendation(state):
    assessment = _in(state)
    answers = [True, False, *[True] * (len(AK03_ITEMS) - 2)]
    feedback = services.feedback_submit(
        assessment_id=assessment.pk,
        actor=assessment.candidate,
        answers=answers,
        comments=["", " Kurang jelas "],
        notes=" Terima kasih ",
    )
    feedback.refresh_from_db()
    assert feedback.answers == answers
    assert feedback.comments == ["", "Kurang jelas"]
    assert feedback.notes == "Terima kasih"
    assert feedback.rows()[1] == (str(AK03_ITEMS[1]), False, "Kurang jelas")


@pytest.mark.parametrize("state", [S.SCHEDULED, S.IN_PROGRESS, S.WITHDRAWN])
def test_feedback_is_refused_before_the_recommendation(state):
    assessment = _in(state)
    with pytest.raises(ValidationError) as info:
        services.feedback_submit(
            assessment_id=assessment.pk, actor=assessment.candidate, answers=YES, comments=[]
        )
    assert _codes(info) == {"wrong_state"}
    assert not CandidateFeedback.objects.exists()


def test_feedback_is_refused_for_someone_else(other_candidate):
    assessment = _in(S.RECOMMENDED)
    with pytest.raises(PermissionDenied):
        services.feedback_submit(
            assessment_id=assessment.pk, actor=other_candidate, answers=YES, comments=[]
        )
    assert not CandidateFeedback.objects.exists()


@pytest.mark.parametrize(
    "answers", [YES[:-1], [*YES, True], ["yes"] * len(AK03_ITEMS), ["no"] * len(AK03_ITEMS)]
)
def test_feedback_needs_nine_real_answers(answers):
    # "no" as a string would be truthy: the service refuses anything but booleans.
    assessment = _in(S.RECOMMENDED)
    with pytest.raises(ValidationError) as info:
        services.feedback_submit(
            assessment_id=assessment.pk, actor=assessment.candidate, answers=answers, comments=[]
        )
    assert _codes(info) == {"answers"}
    assert not CandidateFeedback.objects.exists()


def test_feedback_is_sent_once():
    assessment = _in(S.RECOMMENDED)
    services.feedback_submit(
        assessment_id=assessment.pk, actor=assessment.candidate, answers=YES, comments=[]
    )
    with pytest.raises(ValidationError) as info:
        services.feedback_submit(
            assessment_id=assessment.pk, actor=assessment.candidate, answers=YES, comments=[]
        )
    assert _codes(info) == {"already_sent"}


# --- evidence requests ---------------------------------------------------------------------------


def _due(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def test_the_assigned_assessor_requests_evidence_and_the_candidate_is_told(assessor):
    assessment = factories.assessor_may_act(_in(S.CLEARED, assessor=assessor))
    request = services.evidence_request_create(
        assessment_id=assessment.pk, actor=assessor, what=" Foto hasil kerja ", due_date=_due()
    )
    assert request.what == "Foto hasil kerja"
    notification = Notification.objects.get(
        recipient=assessment.candidate, url=f"/assessments/{assessment.pk}/evidence/"
    )
    assert "Foto hasil kerja" in notification.body


def test_only_the_assigned_assessor_requests_evidence(assessor, other_assessor):
    assessment = factories.assessor_may_act(_in(S.CLEARED, assessor=assessor))
    for actor in (other_assessor, assessment.candidate):
        with pytest.raises(PermissionDenied):
            services.evidence_request_create(
                assessment_id=assessment.pk, actor=actor, what="Foto", due_date=_due()
            )
    assert not EvidenceRequest.objects.exists()


@pytest.mark.parametrize(
    ("what", "days", "code"), [("", 7, "what"), ("  ", 7, "what"), ("Foto", -1, "due_date")]
)
def test_an_evidence_request_needs_what_and_a_future_date(assessor, what, days, code):
    assessment = factories.assessor_may_act(_in(S.CLEARED, assessor=assessor))
    with pytest.raises(ValidationError) as info:
        services.evidence_request_create(
            assessment_id=assessment.pk, actor=assessor, what=what, due_date=_due(days)
        )
    assert _codes(info) == {code}


def test_evidence_is_not_requested_before_the_review_or_after_the_recommendation(assessor):
    for state in (S.SCHEDULED, S.RECOMMENDED):
        assessment = factories.assessor_may_act(_in(state, assessor=assessor))
        with pytest.raises(ValidationError) as info:
            services.evidence_request_create(
                assessment_id=assessment.pk, actor=assessor, what="Foto", due_date=_due()
            )
        assert _codes(info) == {"wrong_state"}


def test_answering_a_request_needs_an_upload_and_closes_it(assessor):
    assessment = _in(S.CLEARED, assessor=assessor)
    request = factories.EvidenceRequestFactory(assessment=assessment, requested_by=assessor)
    with pytest.raises(ValidationError) as info:
        services.evidence_request_answer(request_id=request.pk, actor=assessment.candidate)
    assert _codes(info) == {"no_evidence"}
    factories.EvidenceFactory(assessment=assessment, request=request)
    services.evidence_request_answer(
        request_id=request.pk, actor=assessment.candidate, note=" Sudah "
    )
    request.refresh_from_db()
    assert request.answered_at is not None and request.answer_note == "Sudah"
    assert Notification.objects.filter(recipient=assessor).count() == 1
    with pytest.raises(ValidationError) as info:
        services.evidence_request_answer(request_id=request.pk, actor=assessment.candidate)
    assert _codes(info) == {"answered"}


def test_another_candidate_cannot_answer_a_request(assessor, other_candidate):
    assessment = _in(S.CLEARED, assessor=assessor)
    request = factories.EvidenceRequestFactory(assessment=assessment, requested_by=assessor)
    factories.EvidenceFactory(assessment=assessment, request=request)
    with pytest.raises(PermissionDenied):
        services.evidence_request_answer(request_id=request.pk, actor=other_candidate)
    request.refresh_from_db()
    assert request.is_open


# --- notifications -------------------------------------------------------------------------------


def test_mark_one_notification_read_touches_only_that_one(candidate, other_candidate):
    first = Notification.objects.create(recipient=candidate, title="Satu")
    second = Notification.objects.create(recipient=candidate, title="Dua")
    theirs = Notification.objects.create(recipient=other_candidate, title="Tiga")
    assert services.notification_mark_read(user=candidate, notification_id=first.pk) == 1
    # Someone else's id changes nothing.
    assert services.notification_mark_read(user=candidate, notification_id=theirs.pk) == 0
    first.refresh_from_db(), second.refresh_from_db(), theirs.refresh_from_db()
    assert first.read_at and not second.read_at and not theirs.read_at


def test_mark_all_read_keeps_the_first_read_time(candidate, other_candidate):
    earlier = timezone.now() - datetime.timedelta(days=2)
    read = Notification.objects.create(recipient=candidate, title="Lama", read_at=earlier)
    Notification.objects.create(recipient=candidate, title="Baru")
    Notification.objects.create(recipient=other_candidate, title="Orang lain")
    assert services.notification_mark_read(user=candidate) == 1
    read.refresh_from_db()
    assert read.read_at == earlier
    assert not Notification.objects.filter(recipient=candidate).unread().exists()
    assert Notification.objects.filter(recipient=other_candidate).unread().count() == 1


# --- appeal window -------------------------------------------------------------------------------


@override_settings(KOMPETEN_APPEAL_WINDOW_DAYS=14)
def test_the_appeal_window_runs_from_the_decision():
    assessment = _in(S.DECIDED)
    assert services.appeal_window_open(assessment)
    assert services.appeal_deadline(assessment) == (
        assessment.state_changed_at + datetime.timedelta(days=14)
    )
    Assessment.objects.filter(pk=assessment.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(days=14, minutes=1)
    )
    assessment.refresh_from_db()
    assert not services.appeal_window_open(assessment)


@pytest.mark.parametrize("state", [S.REPORTED, S.RECOMMENDED, S.WITHDRAWN])
def test_there_is_no_appeal_window_before_a_decision(state):
    assessment = _in(state)
    assert not services.appeal_window_open(assessment)
    assert services.appeal_deadline(assessment) is None


def test_an_assessor_with_an_expired_licence_cannot_request_evidence(assessor):
    from assessments.models import AssessorProfile

    assessment = factories.assessor_may_act(_in(S.CLEARED, assessor=assessor))
    AssessorProfile.objects.filter(user=assessor).update(
        licence_valid_until=timezone.localdate() - datetime.timedelta(days=400)
    )
    with pytest.raises(PermissionDenied):
        services.evidence_request_create(
            assessment_id=assessment.pk, actor=assessor, what="Foto", due_date=_due()
        )
    assert not EvidenceRequest.objects.exists()

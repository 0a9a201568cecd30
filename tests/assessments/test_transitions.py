"""Every state x transition pair of the assessment, event and scheme version state machines.

The expected tables are written out here, not read from the models, so that a change to a
transition's sources shows up as a failing test; a new state is picked up from the model's
choices and is refused by every transition until this table says otherwise; a new transition
method fails ``test_the_table_names_every_assessment_transition``.
"""

import pytest
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from assessments import services
from assessments.models import Assessment, AssessmentEvent, EventAssessor
from assessments.services import TransitionRefused
from schemes.models import SchemeVersion
from schemes.services import scheme_version_publish, scheme_version_retire
from tests import factories

S = Assessment.State

BEFORE_REPORTED = {
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.ACCEPTED,
    S.SCHEDULED,
    S.CLEARED,
    S.PREPARED,
    S.IN_PROGRESS,
    S.RECOMMENDED,
}

# transition method -> (source states, target state), as in the table.
ASSESSMENT_TRANSITIONS = {
    "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED),
    "return_for_revision": ({S.SUBMITTED, S.SCHEDULED}, S.RETURNED),
    "accept": ({S.SUBMITTED}, S.ACCEPTED),
    "reject": ({S.SUBMITTED}, S.REJECTED),
    "schedule": ({S.ACCEPTED}, S.SCHEDULED),
    "clear": ({S.SCHEDULED}, S.CLEARED),
    "prepare": ({S.CLEARED}, S.PREPARED),
    "start": ({S.PREPARED, S.REOPENED}, S.IN_PROGRESS),
    "recommend": ({S.IN_PROGRESS}, S.RECOMMENDED),
    "report": ({S.RECOMMENDED}, S.REPORTED),
    "decide": ({S.REPORTED}, S.DECIDED),
    "reopen": ({S.REPORTED}, S.REOPENED),
    "mark_absent": ({S.SCHEDULED, S.CLEARED, S.PREPARED}, S.ABSENT),
    "withdraw": (BEFORE_REPORTED, S.WITHDRAWN),
}

MATRIX = [
    pytest.param(method, state, id=f"{method}-from-{state}")
    for method in ASSESSMENT_TRANSITIONS
    for state in S.values
]


def test_the_table_names_every_assessment_transition():
    field = Assessment._meta.get_field("state")
    assert set(field.transitions[Assessment]) == set(ASSESSMENT_TRANSITIONS)


def test_no_transition_leaves_a_closed_state():
    closed = {S.REJECTED, S.DECIDED, S.ABSENT, S.WITHDRAWN}
    for sources, _target in ASSESSMENT_TRANSITIONS.values():
        assert not sources & closed


# --- the model's transition methods (no database) -----------------------------------------------


@pytest.mark.parametrize(("method", "state"), MATRIX)
def test_assessment_transition_method(method, state):
    sources, target = ASSESSMENT_TRANSITIONS[method]
    # event_id/assessor_id satisfy schedule's condition, so only the source state decides.
    assessment = Assessment(state=state, event_id=1, assessor_id=1)
    if state in sources:
        getattr(assessment, method)()
        assert assessment.state == target
    else:
        with pytest.raises(TransitionNotAllowed):
            getattr(assessment, method)()
        assert assessment.state == state


def test_schedule_needs_an_event_and_an_assessor():
    for fields in [{}, {"event_id": 1}, {"assessor_id": 1}]:
        assessment = Assessment(state=S.ACCEPTED, **fields)
        with pytest.raises(TransitionNotAllowed):
            assessment.schedule()
        assert assessment.state == S.ACCEPTED


# --- the services (with the right person acting, so only the state decides) ---------------------


def _call_service(method: str, assessment: Assessment) -> Assessment:
    admin = factories.AdminUserFactory()
    pk = assessment.pk
    if method in {"clear", "prepare", "start", "recommend", "report"} and not assessment.assessor:
        # Give an unscheduled record an assessor so that the guard lets the call reach the state
        # check (no constraint stops an assessor on an unscheduled row).
        assessor = factories.AssessorProfileFactory().user
        Assessment.objects.filter(pk=pk).update(assessor=assessor)
        assessment.refresh_from_db()
    if method == "submit":
        return services.assessment_submit(assessment_id=pk, actor=assessment.candidate)
    if method == "return_for_revision":
        actor = assessment.assessor if assessment.state == S.SCHEDULED else admin
        return services.assessment_return(
            assessment_id=pk, actor=actor, note="Foto buram", sections=["apl01"]
        )
    if method == "accept":
        return services.assessment_accept(assessment_id=pk, actor=admin)
    if method == "reject":
        return services.assessment_reject(assessment_id=pk, actor=admin, note="Tidak memenuhi")
    if method == "schedule":
        event = factories.AssessmentEventFactory(scheme_version=assessment.scheme_version)
        assessor = factories.AssessorProfileFactory().user
        EventAssessor.objects.create(event=event, assessor=assessor)
        assessor.assessor_profile.scope.add(event.scheme_version.scheme_id)
        return services.assessment_schedule(
            assessment_id=pk, actor=admin, event=event, assessor=assessor
        )
    if method in {"clear", "prepare", "start", "recommend", "report"}:
        return getattr(services, f"assessment_{method}")(
            assessment_id=pk, actor=assessment.assessor
        )
    if method == "decide":
        return services.assessment_decide(
            assessment_id=pk, actor=factories.DecisionMakerUserFactory()
        )
    if method == "reopen":
        return services.assessment_reopen(assessment_id=pk, actor=admin, reason="Salah isi")
    if method == "mark_absent":
        return services.assessment_mark_absent(assessment_id=pk, actor=admin)
    if method == "withdraw":
        return services.assessment_withdraw(
            assessment_id=pk, actor=assessment.candidate, reason="Sakit"
        )
    raise AssertionError(f"no service for {method}")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "state"), MATRIX)
def test_assessment_service(method, state):
    sources, target = ASSESSMENT_TRANSITIONS[method]
    version = factories.make_scheme_version(units=1, elements=1, criteria=1)
    assessment = factories.assessment_in_state(state, scheme_version=version)
    history_rows = assessment.history.count()
    if state in sources:
        result = _call_service(method, assessment)
        assessment.refresh_from_db()
        assert result.state == assessment.state == target
        assert assessment.history.count() == history_rows + 1
    else:
        with pytest.raises(TransitionRefused) as info:
            _call_service(method, assessment)
        assert info.value.code == "wrong_state"
        assessment.refresh_from_db()
        assert assessment.state == state
        assert assessment.history.count() == history_rows


# --- events -------------------------------------------------------------------------------------

E = AssessmentEvent.Status

EVENT_TRANSITIONS = {
    "open": ({E.PLANNED}, E.OPEN),
    "close": ({E.PLANNED, E.OPEN}, E.CLOSED),
    "finish": ({E.OPEN, E.CLOSED}, E.DONE),
    "cancel": ({E.PLANNED, E.OPEN, E.CLOSED}, E.CANCELLED),
}


def test_the_table_names_every_event_transition():
    field = AssessmentEvent._meta.get_field("status")
    assert set(field.transitions[AssessmentEvent]) == set(EVENT_TRANSITIONS)


@pytest.mark.parametrize(
    ("method", "status"),
    [
        pytest.param(method, status, id=f"{method}-from-{status}")
        for method in EVENT_TRANSITIONS
        for status in E.values
    ],
)
def test_event_transition_method(method, status):
    sources, target = EVENT_TRANSITIONS[method]
    event = AssessmentEvent(status=status)
    if status in sources:
        getattr(event, method)()
        assert event.status == target
    else:
        with pytest.raises(TransitionNotAllowed):
            getattr(event, method)()
        assert event.status == status


# --- scheme versions ----------------------------------------------------------------------------

V = SchemeVersion.Status

VERSION_TRANSITIONS = {
    "publish": ({V.DRAFT}, V.PUBLISHED),
    "retire": ({V.PUBLISHED}, V.RETIRED),
}
VERSION_SERVICES = {"publish": scheme_version_publish, "retire": scheme_version_retire}


def test_the_table_names_every_scheme_version_transition():
    field = SchemeVersion._meta.get_field("status")
    assert set(field.transitions[SchemeVersion]) == set(VERSION_TRANSITIONS)


def _version_in(status: str, admin) -> SchemeVersion:
    version = factories.make_scheme_version(units=1, elements=1, criteria=1, publish=False)
    if status in {V.PUBLISHED, V.RETIRED}:
        version = scheme_version_publish(version_id=version.pk, actor=admin)
    if status == V.RETIRED:
        version = scheme_version_retire(version_id=version.pk, actor=admin)
    assert version.status == status
    return version


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "status"),
    [
        pytest.param(method, status, id=f"{method}-from-{status}")
        for method in VERSION_TRANSITIONS
        for status in V.values
    ],
)
def test_scheme_version_transition(method, status, admin_user):
    sources, target = VERSION_TRANSITIONS[method]
    version = _version_in(status, admin_user)
    service = VERSION_SERVICES[method]
    if status in sources:
        service(version_id=version.pk, actor=admin_user)
        version.refresh_from_db()
        assert version.status == target
        assert version.history.first().history_user == admin_user
    else:
        with pytest.raises(TransitionNotAllowed):
            getattr(version, method)()
        with pytest.raises(ValidationError) as info:
            service(version_id=version.pk, actor=admin_user)
        assert info.value.code == "wrong_state"
        version.refresh_from_db()
        assert version.status == status


@pytest.mark.django_db
def test_a_draft_without_units_cannot_be_published(admin_user):
    version = factories.SchemeVersionFactory()
    with pytest.raises(ValidationError) as info:
        scheme_version_publish(version_id=version.pk, actor=admin_user)
    assert info.value.code == "no_units"
    version.refresh_from_db()
    assert version.status == V.DRAFT


@pytest.mark.django_db
def test_publishing_a_new_version_retires_the_published_one(admin_user):
    first = factories.make_scheme_version(units=1)
    draft = factories.make_scheme_version(units=1, publish=False, scheme=first.scheme, version=2)
    scheme_version_publish(version_id=draft.pk, actor=admin_user)
    first.refresh_from_db()
    draft.refresh_from_db()
    assert (first.status, draft.status) == (V.RETIRED, V.PUBLISHED)

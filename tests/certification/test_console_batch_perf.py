"""Institution batch registration at size: bulk writes, a query count that does not grow with
the file, nothing written when a row is wrong, one queued task for the mails."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from assessments.models import Assessment, AssessmentEvent, CandidateProfile, Notification
from certification.models import User
from certification.services_batch import batch_register
from tests import factories
from tests.certification.test_console_batch import row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def open_event(quota: int) -> AssessmentEvent:
    event = factories.AssessmentEventFactory(quota=quota)
    AssessmentEvent.objects.filter(pk=event.pk).update(status=AssessmentEvent.Status.OPEN)
    return event


def batch_rows(count: int, *, start: int, linked: int = 2) -> list[dict[str, str]]:
    """``count`` rows: new people, and ``linked`` existing candidates (one without the
    candidate role yet) at the end."""
    rows = [row(n, nik=f"3172{n:012d}") for n in range(start, start + count - linked)]
    for n in range(linked):
        profile = factories.CandidateProfileFactory(user__is_candidate=n != 0)
        rows.append(row(start + count + n, email=profile.user.email, nik=profile.nik))
    return rows


def queries_to_register(count: int, *, start: int, actor) -> int:
    event = open_event(quota=count)
    rows = batch_rows(count, start=start)
    with CaptureQueriesContext(connection) as queries:
        batch_register(event_id=event.pk, rows=rows, actor=actor)
    assert Assessment.objects.filter(event=event).count() == count
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(admin_user):
    small = queries_to_register(20, start=1, actor=admin_user)
    large = queries_to_register(200, start=1001, actor=admin_user)
    if connection.features.max_query_params is None:
        assert large == small
    else:
        # SQLite: Django splits a bulk insert at 999 parameters, a few more inserts for ten
        # times the rows (one query per row would be 180 more, and more for each row's history).
        assert large - small <= 20
    assert small <= 25


def test_it_writes_profiles_history_and_notifications_for_the_whole_file(
    admin_user, django_capture_on_commit_callbacks, mailoutbox
):
    event = open_event(quota=50)
    rows = batch_rows(50, start=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch_register(event_id=event.pk, rows=rows, actor=admin_user)
    # One task queues every mail: the request publishes once, not once per person.
    assert len(callbacks) == 1
    assessments = Assessment.objects.filter(event=event).select_related("candidate")
    assert {a.candidate.email for a in assessments} == {r["email"] for r in rows}
    for assessment in assessments:
        assert assessment.state == Assessment.State.DRAFT
        assert assessment.candidate.is_candidate
        record = assessment.history.get()
        assert record.history_user == admin_user
        assert record.history_change_reason == "registered by institution batch"
    new_profile = CandidateProfile.objects.get(user__email=rows[0]["email"])
    assert new_profile.nik == rows[0]["nik"]
    assert CandidateProfile.objects.filter(nik_hash=new_profile.nik_hash).count() == 1
    assert not new_profile.user.has_usable_password()
    linked = [r["email"] for r in rows[-2:]]
    notifications = Notification.objects.filter(recipient__email__in=linked)
    assert notifications.count() == 2
    assert all(n.emailed_at is not None for n in notifications)
    invited = {m.to[0] for m in mailoutbox} - set(linked)
    assert invited == {r["email"] for r in rows[:-2]}


def test_a_failing_row_writes_nothing(admin_user):
    event = open_event(quota=200)
    rows = batch_rows(200, start=1)
    rows[150] = {**rows[150], "phone": "12"}
    users_before = User.objects.count()
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(ValidationError, match="1 rows have errors; nothing was registered"),
    ):
        batch_register(event_id=event.pk, rows=rows, actor=admin_user)
    # Every row is checked before the first write.
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []
    assert User.objects.count() == users_before
    assert not Assessment.objects.filter(event=event).exists()
    assert not Notification.objects.exists()


def test_the_models_own_validation_still_guards_the_bulk_insert(admin_user, monkeypatch):
    """The bulk insert skips save(): a value the row cleaning lets through but the model refuses
    (here an education level that is not one of its choices) is a row error, not a bad row."""
    from certification import services_batch

    monkeypatch.setitem(services_batch.EDUCATION_ALIASES, "PAUD", "paud")
    event = open_event(quota=5)
    rows = [row(1, nik="3172000000000001"), row(2, nik="3172000000000002", education="PAUD")]
    preview = services_batch.batch_check(event=event, rows=rows)
    assert preview.rows[0].ok
    assert preview.rows[1].errors
    with pytest.raises(ValidationError, match="nothing was registered"):
        batch_register(event_id=event.pk, rows=rows, actor=admin_user)
    assert not CandidateProfile.objects.exists()

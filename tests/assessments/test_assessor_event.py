"""The assessor's event page: my candidates x the scheme's units, one click to each candidate's
step, attendance and the FR.AK.01 countersignature for all present, the licence/scope block,
and a query count independent of the number of candidates and units."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    AssessorProfile,
    CandidateProfile,
    EventAssessor,
    Form,
    ImpartialityDeclaration,
    Observation,
    Signature,
    UnitDecision,
)
from schemes.models import Criterion, SchemeUnit
from tests import factories

pytestmark = pytest.mark.django_db
S = Assessment.State


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(name: str, event) -> str:
    return reverse(f"assessments:{name}", args=[event.pk])


def _started() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=30)


def _get(client, user, event):
    client.force_login(user)
    response = client.get(_url("event_detail", event))
    assert response.status_code == 200
    return response.content.decode()


def _units(event) -> list[int]:
    return list(
        SchemeUnit.objects.filter(group__version=event.scheme_version)
        .order_by("group__position", "position")
        .values_list("unit_id", flat=True)
    )


def _row(html: str, assessment: Assessment) -> str:
    start = html.index(f'id="candidate-{assessment.pk}"')
    return html[start : html.index("</tr>", start)]


def _sign_as_candidate(assessment: Assessment) -> None:
    services.consent_sign(
        assessment_id=assessment.pk,
        actor=assessment.candidate,
        typed_name=assessment.candidate.full_name,
        agreed=True,
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["event_detail", "event_impartiality"])
def test_anonymous_is_sent_to_login(client, assessor, name):
    event, _ = factories.event_with_candidates(assessor=assessor, states=[S.SCHEDULED])
    response = client.get(_url(name, event))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", ["event_attendance", "event_sign_ak01"])
def test_anonymous_posts_are_sent_to_login(client, assessor, name):
    event, _ = factories.event_with_candidates(assessor=assessor, states=[S.SCHEDULED])
    response = client.post(_url(name, event))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "name", ["event_detail", "event_impartiality", "event_attendance", "event_sign_ak01"]
)
def test_another_assessor_gets_404_for_an_event_they_are_not_assigned_to(
    client, assessor, other_assessor, name
):
    event, _ = factories.event_with_candidates(assessor=assessor, states=[S.SCHEDULED])
    client.force_login(other_assessor)
    method = client.get if name in ("event_detail", "event_impartiality") else client.post
    assert method(_url(name, event)).status_code == 404


@pytest.mark.parametrize("name", ["event_detail", "event_impartiality"])
def test_a_candidate_of_the_event_is_refused(client, assessor, name):
    event, (assessment,) = factories.event_with_candidates(assessor=assessor, states=[S.CLEARED])
    client.force_login(assessment.candidate)
    assert client.get(_url(name, event)).status_code in (403, 404)


def test_the_bulk_actions_refuse_get(client, assessor):
    event, _ = factories.event_with_candidates(assessor=assessor, states=[S.SCHEDULED])
    client.force_login(assessor)
    assert client.get(_url("event_attendance", event)).status_code == 405
    assert client.get(_url("event_sign_ak01", event)).status_code == 405


# --- the matrix -------------------------------------------------------------------------------


def test_before_impartiality_the_page_sends_to_the_declaration(client, assessor):
    event, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.SCHEDULED], declare=False
    )
    client.force_login(assessor)
    response = client.get(_url("event_detail", event))
    assert response.status_code == 302
    assert response["Location"] == _url("event_impartiality", event)


def test_the_matrix_shows_each_units_status_and_each_candidates_step(client, assessor):
    event, (fresh, observing, decided) = factories.event_with_candidates(
        assessor=assessor,
        states=[S.CLEARED, S.IN_PROGRESS, S.RECOMMENDED],
        scheme_version=factories.make_scheme_version(units=2, elements=1, criteria=3),
    )
    unit1, unit2 = _units(event)
    kuk = list(Criterion.objects.filter(element__unit_id=unit1).order_by("number"))
    for criterion in kuk[:2]:
        Observation.objects.create(
            assessment=observing, criterion=criterion, achieved=True, recorded_by=assessor
        )
    # An answer cleared back to "not observed" does not count.
    Observation.objects.create(
        assessment=observing, criterion=kuk[2], achieved=None, recorded_by=assessor
    )
    UnitDecision.objects.create(
        assessment=decided, unit_id=unit1, outcome="K", sources=["observasi"], decided_by=assessor
    )
    UnitDecision.objects.create(
        assessment=decided,
        unit_id=unit2,
        outcome="BK",
        sources=["observasi"],
        reason="KUK 1.2 tidak ditunjukkan",
        follow_up="Ulang unit 2",
        decided_by=assessor,
    )
    html = _get(client, assessor, event)
    assert html.count('<th scope="col" class="text-center"><abbr') == 2
    fresh_row = _row(html, fresh)
    assert fresh_row.count('text-body-tertiary">–</span>') >= 2
    assert "Cleared to proceed" in fresh_row
    assert reverse("assessments:assess_prepare", args=[fresh.pk]) in fresh_row
    observing_row = _row(html, observing)
    assert ">2/3<" in observing_row
    assert reverse("assessments:assess_observe", args=[observing.pk]) in observing_row
    decided_row = _row(html, decided)
    assert 'text-bg-success">K<' in decided_row and 'text-bg-danger">BK<' in decided_row
    assert reverse("assessments:assess_report", args=[decided.pk]) in decided_row


@pytest.mark.parametrize(
    ("state", "page"),
    [
        (S.SCHEDULED, "assess_prepare"),
        (S.PREPARED, "assess_observe"),
        (S.REOPENED, "assess_observe"),
        (S.REPORTED, "assess_report"),
        (S.DECIDED, "assess_report"),
    ],
)
def test_one_click_goes_to_the_candidates_current_step(client, assessor, state, page):
    event, (assessment,) = factories.event_with_candidates(assessor=assessor, states=[state])
    row = _row(_get(client, assessor, event), assessment)
    assert f'href="{reverse(f"assessments:{page}", args=[assessment.pk])}"' in row


def test_only_my_candidates_are_shown(client, assessor, other_assessor):
    event, (mine,) = factories.event_with_candidates(assessor=assessor, states=[S.CLEARED])
    _other_event, (theirs,) = factories.event_with_candidates(
        assessor=other_assessor, states=[S.CLEARED], scheme_version=event.scheme_version
    )
    # Move the other assessor's candidate into my event: still not mine.
    EventAssessor.objects.create(event=event, assessor=other_assessor)
    Assessment.objects.filter(pk=theirs.pk).update(event=event)
    html = _get(client, assessor, event)
    assert mine.candidate.full_name in html
    assert theirs.candidate.full_name not in html


def test_a_conflicted_candidate_is_hidden_with_a_note(client, assessor):
    event, (kept, hidden) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED, S.CLEARED], declare=False
    )
    ImpartialityDeclaration.objects.create(
        event=event, assessor=assessor, assessment=kept, relationship="none"
    )
    ImpartialityDeclaration.objects.create(
        event=event,
        assessor=assessor,
        assessment=hidden,
        relationship="trainer",
        note="Saya melatihnya di BLK",
    )
    html = _get(client, assessor, event)
    assert kept.candidate.full_name in html
    assert hidden.candidate.full_name not in html
    assert "1 candidate is hidden" in html and "The LSP admin was told" in html


# --- attendance -------------------------------------------------------------------------------


def test_attendance_marks_the_ticked_present_candidates(client, assessor):
    event, (present, absent_today) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED, S.SCHEDULED], starts_at=_started()
    )
    html = _get(client, assessor, event)
    assert 'id="attendance-form"' in html
    assert f'name="present" value="{present.pk}"' in html
    response = client.post(_url("event_attendance", event), {"present": [present.pk]})
    assert response.status_code == 302 and response["Location"] == _url("event_detail", event)
    present.refresh_from_db()
    absent_today.refresh_from_db()
    assert present.attended_at is not None and absent_today.attended_at is None
    last = present.history.first()
    assert last.history_change_reason == "attendance recorded"
    assert last.history_user == assessor
    html = client.get(_url("event_detail", event)).content.decode()
    assert "1 candidate recorded as present." in html
    assert f'name="present" value="{present.pk}"' not in html


def test_attendance_refuses_a_candidate_who_is_not_offered(client, assessor, other_assessor):
    event, (mine,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    _e, (theirs,) = factories.event_with_candidates(
        assessor=other_assessor, states=[S.CLEARED], starts_at=_started()
    )
    client.force_login(assessor)
    response = client.post(
        _url("event_attendance", event), {"present": [mine.pk, theirs.pk]}, follow=True
    )
    assert "A chosen candidate cannot be marked present here." in response.content.decode()
    assert not Assessment.objects.filter(attended_at__isnull=False).exists()


def test_attendance_cannot_be_recorded_before_the_event_day(client, assessor):
    event, (assessment,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED]
    )  # a week ahead
    html = _get(client, assessor, event)
    assert 'id="attendance-form"' not in html
    assert "Attendance is recorded from the day of the event" in html
    response = client.post(
        _url("event_attendance", event), {"present": [assessment.pk]}, follow=True
    )
    assert "Attendance is recorded on the day of the event." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.attended_at is None


def test_attendance_with_nothing_ticked_says_so(client, assessor):
    event, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    client.force_login(assessor)
    response = client.post(_url("event_attendance", event), {}, follow=True)
    assert "Choose the candidates who are present." in response.content.decode()


# --- FR.AK.01 for all present -----------------------------------------------------------------


def _assessor_signed(assessment: Assessment) -> bool:
    return Signature.objects.filter(
        document=Form.AK01,
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        role=Signature.Role.ASSESSOR,
    ).exists()


def test_sign_ak01_for_all_present_who_signed_and_list_the_refusals(client, assessor):
    event, (ready, also_ready, unsigned, not_present, started) = factories.event_with_candidates(
        assessor=assessor,
        states=[S.CLEARED, S.SCHEDULED, S.CLEARED, S.CLEARED, S.PREPARED],
        starts_at=_started(),
    )
    for assessment in (ready, also_ready, not_present):
        _sign_as_candidate(assessment)
    # Signed by the candidate while cleared, then prepared without the assessor's signature
    # (an inconsistent record): the service refuses and the page says so for that candidate.
    Signature.objects.create(
        signer=started.candidate,
        role=Signature.Role.CANDIDATE,
        typed_name=started.candidate.full_name,
        document=Form.AK01,
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=started.pk,
    )
    Assessment.objects.filter(pk__in=[ready.pk, also_ready.pk, unsigned.pk, started.pk]).update(
        attended_at=timezone.now()
    )
    html = _get(client, assessor, event)
    section = html[html.index('id="sign-heading"') :]
    assert ready.candidate.full_name in section and also_ready.candidate.full_name in section
    assert unsigned.candidate.full_name in section[section.index('id="sign-waiting"') :]
    response = client.post(
        _url("event_sign_ak01", event),
        {"typed_name": assessor.full_name, "agreed": "on"},
        follow=True,
    )
    page = response.content.decode()
    assert _assessor_signed(ready) and _assessor_signed(also_ready)
    assert not _assessor_signed(unsigned) and not _assessor_signed(not_present)
    assert not _assessor_signed(started)
    assert "You signed FR.AK.01 for 2 candidates." in page
    assert f"Not signed for {started.candidate.full_name}: FR.AK.01 cannot be signed now." in page


def test_sign_ak01_with_a_wrong_name_signs_nothing(client, assessor):
    event, (a, b) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED, S.CLEARED], starts_at=_started()
    )
    for assessment in (a, b):
        _sign_as_candidate(assessment)
    Assessment.objects.filter(pk__in=[a.pk, b.pk]).update(attended_at=timezone.now())
    client.force_login(assessor)
    response = client.post(
        _url("event_sign_ak01", event), {"typed_name": "Orang Lain", "agreed": "on"}, follow=True
    )
    page = response.content.decode()
    assert "Type your full name exactly as registered" in page
    assert page.count("Type your full name exactly as registered") == 1
    assert not _assessor_signed(a) and not _assessor_signed(b)


def test_sign_ak01_needs_the_box_ticked(client, assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    _sign_as_candidate(a)
    Assessment.objects.filter(pk=a.pk).update(attended_at=timezone.now())
    client.force_login(assessor)
    response = client.post(
        _url("event_sign_ak01", event), {"typed_name": assessor.full_name}, follow=True
    )
    assert "Tick the box to agree to the statements." in response.content.decode()
    assert not _assessor_signed(a)


def test_sign_ak01_with_nobody_waiting_says_so(client, assessor):
    event, _ = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    client.force_login(assessor)
    response = client.post(
        _url("event_sign_ak01", event),
        {"typed_name": assessor.full_name, "agreed": "on"},
        follow=True,
    )
    assert "No present candidate is waiting for your FR.AK.01 signature." in (
        response.content.decode()
    )
    assert not Signature.objects.exists()


# --- licence and scope ------------------------------------------------------------------------


def _expire(assessor, event) -> None:
    first_day = timezone.localdate(event.starts_at, event.tuk.tzinfo)
    AssessorProfile.objects.filter(user=assessor).update(
        licence_valid_until=first_day - datetime.timedelta(days=1)
    )


def test_an_expired_licence_on_the_event_date_shows_the_reason_and_hides_every_form(
    client, assessor
):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started()
    )
    _sign_as_candidate(a)
    Assessment.objects.filter(pk=a.pk).update(attended_at=timezone.now())
    _expire(assessor, event)
    html = _get(client, assessor, event)
    assert "Your licence is not valid on the assessment date." in html
    main = html[html.index('id="main"') : html.index("</main>")]
    assert "<form" not in main
    assert a.candidate.full_name in main  # the record stays readable


def test_posts_are_refused_when_the_licence_expired(client, assessor):
    event, (a, b) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED, S.CLEARED], starts_at=_started()
    )
    _sign_as_candidate(b)
    Assessment.objects.filter(pk=b.pk).update(attended_at=timezone.now())
    _expire(assessor, event)
    client.force_login(assessor)
    response = client.post(_url("event_attendance", event), {"present": [a.pk]}, follow=True)
    assert "Your licence is not valid on the assessment date." in response.content.decode()
    response = client.post(
        _url("event_sign_ak01", event), {"typed_name": assessor.full_name, "agreed": "on"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.attended_at is None and not _assessor_signed(b)


def test_a_scheme_outside_my_scope_is_refused(client, assessor):
    event, (a,) = factories.event_with_candidates(
        assessor=assessor, states=[S.CLEARED], starts_at=_started(), in_scope=False
    )
    html = _get(client, assessor, event)
    assert "This scheme is not in your scope." in html
    assert 'id="attendance-form"' not in html
    client.post(_url("event_attendance", event), {"present": [a.pk]})
    a.refresh_from_db()
    assert a.attended_at is None


# --- query count ------------------------------------------------------------------------------


def _bulk_event(assessor, *, candidates: int, units: int):
    """An event with ``candidates`` in_progress candidates of a ``units``-unit scheme, each
    with observations on every unit, half the units decided and both AK.01 signatures: built
    with bulk_create for speed (no history rows, which the page does not read)."""
    version = factories.make_scheme_version(units=units, elements=1, criteria=2)
    event = factories.AssessmentEventFactory(scheme_version=version, starts_at=_started())
    EventAssessor.objects.create(event=event, assessor=assessor)
    AssessorProfile.objects.get(user=assessor).scope.add(version.scheme_id)
    users = factories.CandidateUserFactory.create_batch(candidates)
    CandidateProfile.objects.bulk_create(
        [
            CandidateProfile(
                user=user,
                nik=f"32{user.pk:014d}",
                birth_place="Bandung",
                birth_date=datetime.date(1999, 1, 1),
                sex="L",
                address="Jl. Braga 1",
                phone="0812 1111 2222",
                education="sma",
                institution=f"PT Contoh {user.pk}",
            )
            for user in users
        ]
    )
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                candidate=user,
                scheme_version=version,
                event=event,
                assessor=assessor,
                state=S.IN_PROGRESS,
                attended_at=timezone.now(),
            )
            for user in users
        ]
    )
    ImpartialityDeclaration.objects.bulk_create(
        [
            ImpartialityDeclaration(
                event=event, assessor=assessor, assessment=a, relationship="none"
            )
            for a in assessments
        ]
    )
    criteria = list(
        Criterion.objects.filter(element__unit__scheme_units__group__version=version).values_list(
            "pk", "element__unit_id"
        )
    )
    unit_ids = _units(event)
    Observation.objects.bulk_create(
        [
            Observation(assessment=a, criterion_id=c, achieved=True, recorded_by=assessor)
            for a in assessments
            for c, _unit in criteria
        ]
    )
    UnitDecision.objects.bulk_create(
        [
            UnitDecision(
                assessment=a, unit_id=u, outcome="K", sources=["observasi"], decided_by=assessor
            )
            for a in assessments
            for u in unit_ids[::2]
        ]
    )
    content_type = ContentType.objects.get_for_model(Assessment)
    Signature.objects.bulk_create(
        [
            Signature(
                signer=signer,
                role=role,
                typed_name="Nama",
                document=Form.AK01,
                subject_type=content_type,
                subject_id=a.pk,
            )
            for a in assessments
            for signer, role in ((a.candidate, "candidate"), (assessor, "assessor"))
        ]
    )
    return event


def _count(client, user, event) -> tuple[int, str]:
    client.force_login(user)
    url = _url("event_detail", event)
    client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_event_page_makes_the_same_queries_for_3x2_and_30x10(client, assessor):
    small, small_html = _count(client, assessor, _bulk_event(assessor, candidates=3, units=2))
    large, large_html = _count(client, assessor, _bulk_event(assessor, candidates=30, units=10))
    assert small_html.count('id="candidate-') == 3
    assert large_html.count('id="candidate-') == 30
    matrix = large_html[large_html.index('id="event-matrix"') : large_html.index("</table>")]
    assert matrix.count('text-bg-success">K<') == 30 * 5
    assert matrix.count(">2/2<") == 30 * 5
    assert small == large, (small, large)
    assert large <= 14, large  # issue 9: every page under 15 queries

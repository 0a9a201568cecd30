"""Pages of the LSP admin's console: access, happy paths, refusals shown, constant queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessments import services
from assessments.models import (
    TUK,
    Assessment,
    AssessmentEvent,
    AssessorProfile,
    EventAssessor,
    ImpartialityDeclaration,
    TUKVerification,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The tests read the English msgids; the project's default language is Indonesian.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


S = Assessment.State


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def event(admin_user, assessor):
    event = factories.AssessmentEventFactory(starts_at=timezone.now() + datetime.timedelta(days=10))
    AssessorProfile.objects.get(user=assessor).scope.add(event.scheme_version.scheme_id)
    EventAssessor.objects.create(event=event, assessor=assessor, assigned_by=admin_user)
    return event


def _accepted(event, admin) -> Assessment:
    assessment = factories.AssessmentFactory(scheme_version=event.scheme_version)
    services.assessment_submit(assessment_id=assessment.pk, actor=assessment.candidate)
    return services.assessment_accept(assessment_id=assessment.pk, actor=admin)


def _pages(event, assessment=None) -> list[tuple[str, str]]:
    tuk = event.tuk
    profile = AssessorProfile.objects.first()
    pages = [
        ("get", reverse("assessments:admin_assessors")),
        ("get", reverse("assessments:admin_assessor_create")),
        ("get", reverse("assessments:admin_assessor_edit", args=[profile.pk])),
        ("get", reverse("assessments:admin_tuks")),
        ("get", reverse("assessments:admin_tuk_create")),
        ("get", reverse("assessments:admin_tuk_edit", args=[tuk.pk])),
        ("get", reverse("assessments:admin_tuk_verify", args=[tuk.pk])),
        ("get", reverse("assessments:admin_events")),
        ("get", reverse("assessments:admin_event_create")),
        ("get", reverse("assessments:admin_event", args=[event.pk])),
        ("get", reverse("assessments:admin_event_edit", args=[event.pk])),
        ("post", reverse("assessments:admin_event_assign", args=[event.pk])),
        ("post", reverse("assessments:admin_event_place", args=[event.pk])),
        ("post", reverse("assessments:admin_event_action", args=[event.pk, "open"])),
    ]
    if assessment is not None:
        pages.append(
            ("post", reverse("assessments:admin_assessment_reassign", args=[assessment.pk]))
        )
    return pages


def test_every_page_is_forbidden_to_non_admins(client, event, candidate, assessor, decision_maker):
    for user in (candidate, assessor, decision_maker):
        client.force_login(user)
        for method, url in _pages(event, factories.AssessmentFactory()):
            response = getattr(client, method)(url)
            assert response.status_code == 403, (user, url)
    event.refresh_from_db()
    assert event.status == AssessmentEvent.Status.PLANNED


def test_anonymous_users_are_sent_to_login(client, event):
    for method, url in _pages(event):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_every_page_opens_for_an_admin(admin_client, event):
    for method, url in _pages(event):
        if method == "get":
            assert admin_client.get(url).status_code == 200, url


# --- assessors -----------------------------------------------------------------------------------


def test_assessor_list_filters_by_scope_and_licence_state(
    admin_client, event, assessor, other_assessor
):
    today = timezone.localdate()
    AssessorProfile.objects.filter(user=other_assessor).update(
        licence_valid_until=today - datetime.timedelta(days=1)
    )
    expired = admin_client.get(reverse("assessments:admin_assessors"), {"licence": "expired"})
    assert list(expired.context["page"].object_list) == [other_assessor.assessor_profile]
    scoped = admin_client.get(
        reverse("assessments:admin_assessors"), {"scheme": event.scheme_version.scheme_id}
    )
    assert [p.user for p in scoped.context["page"].object_list] == [assessor]
    ending = factories.AssessorProfileFactory(
        licence_valid_until=today + datetime.timedelta(days=60)
    )
    soon = admin_client.get(reverse("assessments:admin_assessors"), {"licence": "ending"})
    assert list(soon.context["page"].object_list) == [ending]
    found = admin_client.get(reverse("assessments:admin_assessors"), {"q": "dina"})
    assert [p.user for p in found.context["page"].object_list] == [other_assessor]


def test_assessor_list_makes_constant_queries(admin_client, django_assert_max_num_queries):
    factories.AssessorProfileFactory()
    url = reverse("assessments:admin_assessors")
    with django_assert_max_num_queries(20) as captured:
        admin_client.get(url)
    for _ in range(5):
        factories.AssessorProfileFactory().scope.add(factories.SchemeFactory())
    with django_assert_max_num_queries(len(captured.captured_queries)):
        admin_client.get(url)


def test_registering_an_assessor_through_the_page(admin_client, scheme_version):
    response = admin_client.post(
        reverse("assessments:admin_assessor_create"),
        {
            "email": "baru@example.test",
            "full_name": "Asesor Baru",
            "met_number": "MET.000.777777.2022",
            "licence_valid_until": "2030-01-01",
            "scope": [scheme_version.scheme_id],
            "status": "active",
            "phone": "",
        },
    )
    assert response.status_code == 302
    profile = AssessorProfile.objects.get(met_number="MET.000.777777.2022")
    assert profile.user.email == "baru@example.test" and profile.user.is_assessor


def test_a_bad_met_number_is_shown_and_nothing_saved(admin_client):
    response = admin_client.post(
        reverse("assessments:admin_assessor_create"),
        {
            "email": "baru@example.test",
            "full_name": "Asesor Baru",
            "met_number": "123",
            "licence_valid_until": "2030-01-01",
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "met_number" in response.context["form"].errors
    assert not AssessorProfile.objects.filter(user__email="baru@example.test").exists()


def test_editing_an_assessor_records_the_reason(admin_client, assessor):
    profile = assessor.assessor_profile
    response = admin_client.post(
        reverse("assessments:admin_assessor_edit", args=[profile.pk]),
        {
            "met_number": profile.met_number,
            "licence_valid_until": "2032-02-02",
            "status": "active",
            "phone": "",
            "reason": "licence renewed",
        },
    )
    assert response.status_code == 302
    assert profile.history.first().history_change_reason == "assessor updated: licence renewed"


# --- TUK -----------------------------------------------------------------------------------------


def test_tuk_verification_page_records_the_checklist(admin_client, admin_user):
    tuk = factories.TUKFactory(verification_status=TUK.Verification.UNVERIFIED, verified_on=None)
    data = {
        "conclusion": "sesuai",
        "verifier": admin_user.pk,
        "verified_on": timezone.localdate().isoformat(),
        "note": "",
    }
    for group, items in services.TUK_VERIFICATION_ITEMS.items():
        for index in range(len(items)):
            data[f"{group}_{index}_available"] = "1"
            data[f"{group}_{index}_suitable"] = "1"
    response = admin_client.post(reverse("assessments:admin_tuk_verify", args=[tuk.pk]), data)
    assert response.status_code == 302
    tuk.refresh_from_db()
    assert tuk.is_verified
    assert TUKVerification.objects.get(tuk=tuk).checklist[0]["available"] is True


def test_registering_a_tuk_starts_unverified(admin_client):
    response = admin_client.post(
        reverse("assessments:admin_tuk_create"),
        {
            "code": "TUK-NEW",
            "name": "TUK Baru",
            "tuk_type": "sewaktu",
            "address": "Jl. B",
            "city": "Ambon",
            "time_zone": "Asia/Jayapura",
            "contact_name": "",
            "contact_phone": "",
        },
    )
    assert response.status_code == 302
    tuk = TUK.objects.get(code="TUK-NEW")
    assert tuk.verification_status == TUK.Verification.UNVERIFIED
    assert tuk.history.first().history_change_reason == "TUK registered"


# --- events --------------------------------------------------------------------------------------


def test_scheduling_an_event_through_the_page_in_local_time(admin_client, scheme_version):
    tuk = factories.TUKFactory(time_zone=TUK.Zone.WIT)
    response = admin_client.post(
        reverse("assessments:admin_event_create"),
        {
            "code": "EV-WIT",
            "name": "Gelombang Papua",
            "scheme_version": scheme_version.pk,
            "tuk": tuk.pk,
            "local_starts_at": "2030-05-02T09:00",
            "local_ends_at": "2030-05-02T15:00",
            "quota": 12,
        },
    )
    event = AssessmentEvent.objects.get(code="EV-WIT")
    assert response.status_code == 302
    assert event.starts_at == datetime.datetime(2030, 5, 2, 0, 0, tzinfo=datetime.UTC)


def test_an_unverified_tuk_cannot_be_chosen(admin_client, scheme_version):
    tuk = factories.TUKFactory(verification_status=TUK.Verification.UNVERIFIED, verified_on=None)
    response = admin_client.post(
        reverse("assessments:admin_event_create"),
        {
            "code": "EV-X",
            "name": "X",
            "scheme_version": scheme_version.pk,
            "tuk": tuk.pk,
            "local_starts_at": "2030-05-02T09:00",
            "local_ends_at": "2030-05-02T15:00",
            "quota": 1,
        },
    )
    assert response.status_code == 200 and "tuk" in response.context["form"].errors
    assert not AssessmentEvent.objects.filter(code="EV-X").exists()


def test_assignment_refusal_is_shown_with_its_reason(admin_client, event, other_assessor):
    response = admin_client.post(
        reverse("assessments:admin_event_assign", args=[event.pk]),
        {"assessor": other_assessor.pk},
        follow=True,
    )
    assert "is not in" in response.content.decode()
    assert not EventAssessor.objects.filter(event=event, assessor=other_assessor).exists()


def test_placing_and_moving_a_candidate(admin_client, admin_user, event, assessor, other_assessor):
    AssessorProfile.objects.get(user=other_assessor).scope.add(event.scheme_version.scheme_id)
    EventAssessor.objects.create(event=event, assessor=other_assessor, assigned_by=admin_user)
    accepted = _accepted(event, admin_user)
    admin_client.post(
        reverse("assessments:admin_event_place", args=[event.pk]),
        {"assessment": accepted.pk, "assessor": assessor.pk},
    )
    accepted.refresh_from_db()
    assert (accepted.state, accepted.assessor) == (S.SCHEDULED, assessor)
    ImpartialityDeclaration.objects.create(
        event=event,
        assessor=assessor,
        assessment=accepted,
        relationship=ImpartialityDeclaration.Relationship.EMPLOYER,
        note="Atasan langsung",
    )
    page = admin_client.get(reverse("assessments:admin_event", args=[event.pk]))
    assert "Conflict declared" in page.content.decode()
    admin_client.post(
        reverse("assessments:admin_assessment_reassign", args=[accepted.pk]),
        {"assessor": other_assessor.pk},
    )
    accepted.refresh_from_db()
    assert accepted.assessor == other_assessor
    refused = admin_client.post(
        reverse("assessments:admin_assessment_reassign", args=[accepted.pk]),
        {"assessor": assessor.pk, "override_reason": "Darurat"},
        follow=True,
    )
    assert "other than the one who assigned" in refused.content.decode()
    accepted.refresh_from_db()
    assert accepted.assessor == other_assessor


def test_event_actions_through_the_page(admin_client, event):
    admin_client.post(reverse("assessments:admin_event_action", args=[event.pk, "open"]))
    event.refresh_from_db()
    assert event.status == AssessmentEvent.Status.OPEN
    assert (
        admin_client.get(
            reverse("assessments:admin_event_action", args=[event.pk, "close"])
        ).status_code
        == 405
    )


def test_event_list_shows_upcoming_and_past_with_constant_queries(
    admin_client, event, django_assert_max_num_queries
):
    past = factories.AssessmentEventFactory(starts_at=timezone.now() - datetime.timedelta(days=9))
    url = reverse("assessments:admin_events")
    upcoming = admin_client.get(url)
    assert list(upcoming.context["page"].object_list) == [event]
    assert list(admin_client.get(url, {"when": "past"}).context["page"].object_list) == [past]
    with django_assert_max_num_queries(20) as captured:
        admin_client.get(url)
    for _ in range(4):
        factories.AssessmentEventFactory(starts_at=timezone.now() + datetime.timedelta(days=3))
    with django_assert_max_num_queries(len(captured.captured_queries)):
        admin_client.get(url)


def test_event_page_makes_constant_queries(
    admin_client, admin_user, event, assessor, django_assert_max_num_queries
):
    url = reverse("assessments:admin_event", args=[event.pk])
    services.event_place_candidate(
        event_id=event.pk,
        actor=admin_user,
        assessment_id=_accepted(event, admin_user).pk,
        assessor_id=assessor.pk,
    )
    with django_assert_max_num_queries(40) as captured:
        admin_client.get(url)
    for _ in range(3):
        services.event_place_candidate(
            event_id=event.pk,
            actor=admin_user,
            assessment_id=_accepted(event, admin_user).pk,
            assessor_id=assessor.pk,
        )
    with django_assert_max_num_queries(len(captured.captured_queries)):
        admin_client.get(url)


def test_event_documents_context_has_surat_tugas_and_attendance(admin_user, event, assessor):
    from assessments.selectors import event_documents_context

    placed = services.event_place_candidate(
        event_id=event.pk,
        actor=admin_user,
        assessment_id=_accepted(event, admin_user).pk,
        assessor_id=assessor.pk,
    )
    context = event_documents_context(event)
    (row,) = context["assessors"]
    assert row["met_number"] == assessor.assessor_profile.met_number
    assert row["candidates"] == [placed]
    assert context["attendance"][0]["candidate"] == placed.candidate
    assert context["attendance"][0]["attended_at"] is None
    assert context["tuk"] == event.tuk and context["scheme"] == event.scheme_version.scheme

"""FR.APL.01 pages: the profile (personal and job data, kept once), applying for a scheme with a
purpose and a schedule, and editing the application while it is a draft or returned."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments.models import TUK, Assessment, AssessmentEvent, CandidateProfile
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State
PROFILE_URL = reverse("assessments:profile")
APPLY_URL = reverse("assessments:apply")


@pytest.fixture
def en(client):
    """A client that reads the site in English (the default is Indonesian)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _profile_post(**overrides) -> dict:
    data = {
        "nik": "3171 0123 4567 8901",
        "birth_place": "Makassar",
        "birth_date": "1996-08-17",
        "sex": "P",
        "nationality": "Indonesia",
        "address": "Jl. Somba Opu 10, Makassar",
        "postal_code": "90111",
        "phone": "0813 4444 5555",
        "education": "d3",
        "institution": "",
        "position": "",
        "job_address": "",
        "job_phone": "",
        "job_email": "",
    }
    return {**data, **overrides}


def _open_event(version, **kwargs) -> AssessmentEvent:
    event = factories.AssessmentEventFactory(scheme_version=version, **kwargs)
    AssessmentEvent.objects.filter(pk=event.pk).update(status=AssessmentEvent.Status.OPEN)
    event.refresh_from_db()
    return event


# --- profile ------------------------------------------------------------------------------------


def test_a_new_user_fills_the_profile_and_continues_to_apply(en):
    user = factories.UserFactory()
    en.force_login(user)
    assert en.get(PROFILE_URL).status_code == 200
    response = en.post(PROFILE_URL, _profile_post())
    assert response.status_code == 302
    assert response["Location"] == APPLY_URL
    profile = CandidateProfile.objects.get(user=user)
    # The NIK is kept as its 16 digits, without the spaces it was typed with.
    assert profile.nik == "3171012345678901"
    user.refresh_from_db()
    assert user.is_candidate


def test_the_profile_continues_to_a_safe_next_page(en, candidate):
    en.force_login(candidate)
    target = reverse("assessments:apply") + "?scheme=3"
    response = en.post(f"{PROFILE_URL}?next={target}", _profile_post(nik="3171012345678902"))
    assert response["Location"] == target


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_the_profile_ignores_a_next_page_on_another_site(en, candidate, next_url):
    en.force_login(candidate)
    response = en.post(PROFILE_URL, {**_profile_post(nik="3171012345678903"), "next": next_url})
    assert response["Location"] == APPLY_URL


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nik", "12345", "NIK must be exactly 16 digits."),
        ("phone", "nomor saya", "Enter a phone number of digits"),
        ("job_email", "kantor@", "Enter a valid email address."),
        ("birth_date", "2999-01-01", "The date of birth must be in the past."),
        ("birth_date", "1800-01-01", "Check the year of birth."),
        ("postal_code", "9011", "A postal code has 5 digits."),
    ],
)
def test_the_profile_shows_bad_input_next_to_the_field_and_keeps_the_rest(
    en, field, value, message
):
    user = factories.UserFactory()
    en.force_login(user)
    response = en.post(PROFILE_URL, _profile_post(**{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert form["birth_place"].value() == "Makassar"
    assert not CandidateProfile.objects.filter(user=user).exists()


def test_a_too_young_candidate_is_refused(en):
    en.force_login(factories.UserFactory())
    young = timezone.localdate() - datetime.timedelta(days=365 * 10)
    response = en.post(PROFILE_URL, _profile_post(birth_date=young.isoformat()))
    assert "at least 15 years old" in " ".join(response.context["form"].errors["birth_date"])


def test_the_profile_form_is_filled_from_the_kept_profile(en, candidate):
    en.force_login(candidate)
    response = en.get(PROFILE_URL)
    assert response.context["form"]["nik"].value() == candidate.candidate_profile.nik


# --- apply --------------------------------------------------------------------------------------


def test_apply_without_a_profile_goes_to_the_profile_first(en):
    en.force_login(factories.CandidateUserFactory())
    response = en.get(f"{APPLY_URL}?scheme=5")
    assert response.status_code == 302
    assert response["Location"].startswith(PROFILE_URL + "?next=")
    assert "scheme%3D5" in response["Location"]


def test_apply_lists_published_schemes_as_cards(en, candidate):
    shown = factories.make_scheme_version(
        units=3, fee=350_000, requirements="Minimal SMK\nPengalaman 1 tahun"
    )
    hidden = factories.make_scheme_version(publish=False)
    en.force_login(candidate)
    response = en.get(APPLY_URL)
    body = response.content.decode()
    assert shown.title in body and hidden.title not in body
    card = response.context["cards"][0]
    assert card["version"].unit_count == 3
    assert "350.000" in body or "350,000" in body
    assert "Pengalaman 1 tahun" in body


def test_apply_with_a_scheme_shows_its_units_and_open_events_with_places_left(en, candidate):
    version = factories.make_scheme_version(units=2)
    tuk = factories.TUKFactory(time_zone=TUK.Zone.WITA)
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=10)
    event = _open_event(version, tuk=tuk, quota=3, starts_at=starts)
    factories.AssessmentFactory(scheme_version=version, event=event)
    closed = factories.AssessmentEventFactory(scheme_version=version)  # planned: not offered
    en.force_login(candidate)
    response = en.get(f"{APPLY_URL}?scheme={version.pk}")
    body = response.content.decode()
    options = response.context["form"].event_options
    assert [e.pk for e in options] == [event.pk]
    assert options[0].places_left == 2
    assert "2 places left" in body
    assert "WITA" in body
    local = timezone.localtime(starts, tuk.tzinfo)
    assert local.strftime("%H:%M") in body
    assert f'value="{closed.pk}"' not in body
    assert len(response.context["scheme_units"]) == 2


def test_apply_starts_a_draft_and_continues_to_the_documents(en, candidate):
    version = factories.make_scheme_version()
    event = _open_event(version)
    en.force_login(candidate)
    response = en.post(
        APPLY_URL, {"scheme": version.pk, "purpose": "sertifikasi", "event": event.pk}
    )
    assessment = Assessment.objects.get(candidate=candidate)
    assert response["Location"] == reverse("assessments:documents", args=[assessment.pk])
    assert (assessment.state, assessment.event) == (S.DRAFT, event)


def test_apply_refuses_a_duplicate_with_the_services_message(en, candidate):
    version = factories.make_scheme_version()
    factories.AssessmentFactory(candidate=candidate, scheme_version=version)
    en.force_login(candidate)
    response = en.post(APPLY_URL, {"scheme": version.pk, "purpose": "sertifikasi"})
    assert response.status_code == 200
    assert "already has an open application" in " ".join(
        response.context["form"].non_field_errors()
    )
    assert Assessment.objects.filter(candidate=candidate).count() == 1


def test_apply_shows_a_full_event_next_to_the_schedule(en, candidate):
    version = factories.make_scheme_version()
    event = _open_event(version, quota=1)
    factories.AssessmentFactory(scheme_version=version, event=event)
    en.force_login(candidate)
    response = en.post(APPLY_URL, {"scheme": version.pk, "purpose": "pkt", "event": event.pk})
    form = response.context["form"]
    assert "This event is full" in " ".join(form.errors["event"])
    assert form["purpose"].value() == "pkt"
    assert not Assessment.objects.filter(candidate=candidate).exists()


def test_apply_refuses_an_event_of_another_scheme(en, candidate):
    version = factories.make_scheme_version()
    foreign = _open_event(factories.make_scheme_version())
    en.force_login(candidate)
    response = en.post(
        APPLY_URL, {"scheme": version.pk, "purpose": "sertifikasi", "event": foreign.pk}
    )
    assert response.context["form"].errors["event"]
    assert not Assessment.objects.filter(candidate=candidate).exists()


def test_recertification_needs_an_earlier_decided_assessment(en, candidate):
    earlier = factories.assessment_in_state(S.DECIDED, candidate=candidate)
    version = factories.make_scheme_version()
    en.force_login(candidate)
    response = en.post(APPLY_URL, {"scheme": version.pk, "purpose": "sertifikasi_ulang"})
    assert response.context["form"].errors["previous"]
    en.post(
        APPLY_URL,
        {"scheme": version.pk, "purpose": "sertifikasi_ulang", "previous": earlier.pk},
    )
    assert Assessment.objects.get(scheme_version=version).previous == earlier


def test_lainnya_needs_its_purpose_named_on_the_page(en, candidate):
    version = factories.make_scheme_version()
    en.force_login(candidate)
    response = en.post(APPLY_URL, {"scheme": version.pk, "purpose": "lainnya"})
    assert response.context["form"].errors["purpose_other"]


def test_an_unpublished_scheme_cannot_be_applied_for(en, candidate):
    draft = factories.make_scheme_version(publish=False)
    en.force_login(candidate)
    response = en.post(APPLY_URL, {"scheme": draft.pk, "purpose": "sertifikasi"})
    assert response["Location"] == APPLY_URL
    assert not Assessment.objects.exists()


# --- edit ---------------------------------------------------------------------------------------


def test_edit_changes_purpose_and_schedule(en, candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    event = _open_event(assessment.scheme_version)
    en.force_login(candidate)
    url = reverse("assessments:application_edit", args=[assessment.pk])
    response = en.post(url, {"purpose": "rpl", "event": event.pk})
    assert response["Location"] == url
    assessment.refresh_from_db()
    assert (assessment.purpose, assessment.event) == ("rpl", event)


def test_edit_keeps_the_current_event_offered_even_when_full(en, candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    event = _open_event(assessment.scheme_version, quota=1)
    Assessment.objects.filter(pk=assessment.pk).update(event=event)
    en.force_login(candidate)
    response = en.get(reverse("assessments:application_edit", args=[assessment.pk]))
    (option,) = response.context["form"].event_options
    assert option.is_current and option.places_left == 1
    assert "your current choice" in response.content.decode()


@pytest.mark.parametrize("state", [S.SUBMITTED, S.ACCEPTED])
def test_edit_hides_the_form_and_refuses_a_post_once_submitted(en, state):
    assessment = factories.assessment_in_state(state)
    en.force_login(assessment.candidate)
    url = reverse("assessments:application_edit", args=[assessment.pk])
    page = en.get(url).content.decode()
    assert 'id="application-form"' not in page
    assert "it can no longer be changed here" in page
    response = en.post(url, {"purpose": "rpl"}, follow=True)
    assert "The application can no longer be changed" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.purpose == "sertifikasi"


def test_a_returned_application_shows_the_note_and_sections_on_every_page(en):
    assessment = factories.assessment_in_state(S.RETURNED)
    en.force_login(assessment.candidate)
    for name in ("application_edit", "documents", "apl02", "evidence", "submit"):
        page = en.get(reverse(f"assessments:{name}", args=[assessment.pk])).content.decode()
        assert "Lengkapi KTP" in page, name
        assert "FR.APL.01 application and personal data" in page, name
    page = en.get(reverse("assessments:application_edit", args=[assessment.pk])).content.decode()
    assert 'id="application-form"' in page


def test_an_empty_profile_post_says_what_is_missing(en):
    en.force_login(factories.UserFactory())
    response = en.post(PROFILE_URL, {})
    assert response.status_code == 200
    assert {"nik", "birth_date", "phone"} <= set(response.context["form"].errors)

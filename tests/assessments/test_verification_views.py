"""The LSP admin's verification pages: one application (FR.APL.01 + APL.02 summary), the document
checks, the payment and the three decisions, and the revision loop through the pages."""

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Assessment, DocumentKind
from tests import factories

S = Assessment.State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"assessments:{name}", args=[assessment.pk])


def _documents(assessment: Assessment):
    return assessment.documents.filter(replaced_at__isnull=True).exclude(kind=DocumentKind.PAYMENT)


def _all_checked(assessment: Assessment, *, meets: str = "1") -> dict:
    data = {}
    for document in _documents(assessment):
        data[f"present_{document.pk}"] = "1"
        data[f"meets_{document.pk}"] = meets
    return data


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


ACTIONS = [
    "verification_documents",
    "verification_payment",
    "verification_accept",
    "verification_reject",
    "verification_return",
]


# Who may see it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["verification", *ACTIONS])
def test_anonymous_visitors_are_sent_to_sign_in(name, client):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    response = (
        client.post(_url(name, assessment))
        if name in ACTIONS
        else client.get(_url(name, assessment))
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["candidate", "assessor", "decision_maker"])
@pytest.mark.parametrize("name", ["verification", *ACTIONS])
def test_other_roles_are_refused(name, persona, client, request):
    user = request.getfixturevalue(persona)
    # Even the application's own candidate.
    assessment = factories.make_submitted_application(
        candidate=request.getfixturevalue("candidate")
    )
    client.force_login(user)

    if name in ACTIONS:
        response = client.post(_url(name, assessment), {"reject-note": "x"})
    else:
        response = client.get(_url(name, assessment))

    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_a_non_admin_gets_403_not_404_for_an_unknown_application(client, candidate):
    client.force_login(candidate)
    assert client.get(reverse("assessments:verification", args=[987654])).status_code == 403


@pytest.mark.parametrize("name", ["verification", *ACTIONS])
def test_an_unknown_application_is_404(name, admin_client):
    url = reverse(f"assessments:{name}", args=[987654])
    response = admin_client.post(url) if name in ACTIONS else admin_client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("name", ACTIONS)
def test_the_actions_accept_only_post(name, admin_client):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    assert admin_client.get(_url(name, assessment)).status_code == 405


# The page ---------------------------------------------------------------------------------------


def test_the_page_shows_the_whole_application_with_the_nik(admin_client):
    event = factories.AssessmentEventFactory()
    event.open()
    event.save(update_fields=["status"])
    assessment = factories.make_submitted_application(
        scheme_version=event.scheme_version, event=event
    )
    profile = assessment.candidate.candidate_profile

    response = admin_client.get(_url("verification", assessment))

    assert response.status_code == 200
    html = response.content.decode()
    assert profile.nik in html
    assert profile.birth_place in html
    assert assessment.scheme_version.scheme.number in html
    assert event.code in html
    assert event.tuk.name in html
    for document in _documents(assessment):
        assert f'name="present_{document.pk}"' in html
        assert f'name="meets_{document.pk}"' in html
    # APL.02 summary: the event's scheme has 2 units of 2 elements, each answered K.
    assert "4 of 4 elements answered" in html
    assert 'name="return-sections"' in html


def test_the_page_shows_an_application_without_profile_or_documents(admin_client):
    # Records made before the candidate pages existed (or by an import) may lack both.
    assessment = factories.assessment_in_state(S.SUBMITTED)

    response = admin_client.get(_url("verification", assessment))

    assert response.status_code == 200
    html = response.content.decode()
    assert "The candidate has no profile (personal data missing)." in html
    assert "No document uploaded." in html


def test_the_page_shows_the_earlier_assessment_of_a_recertification(admin_client):
    earlier = factories.assessment_in_state(S.DECIDED)
    candidate = earlier.candidate
    factories.CandidateProfileFactory(user=candidate)
    version = factories.make_scheme_version(units=1, elements=1, required_documents=["ktp"])
    assessment = services.application_start(
        candidate=candidate,
        scheme_version=version,
        purpose=Assessment.Purpose.RECERTIFICATION,
        previous_id=earlier.pk,
    )

    response = admin_client.get(_url("verification", assessment))

    assert response.status_code == 200
    assert "Sertifikasi Ulang" in response.content.decode()
    assert _url("verification", earlier) in response.content.decode()


def test_a_document_links_to_its_inline_preview_which_the_admin_can_open(admin_client):
    assessment = factories.make_submitted_application()
    document = _documents(assessment).get(kind="ktp")
    file_url = reverse("assessments:document_file", args=[document.pk])

    response = admin_client.get(_url("verification", assessment))

    assert f"{file_url}?inline=1" in response.content.decode()
    preview = admin_client.get(f"{file_url}?inline=1")
    assert preview.status_code == 200
    assert b"".join(preview.streaming_content) == factories.VERIFICATION_PDF


def test_the_page_makes_the_same_number_of_queries_for_a_large_scheme(
    admin_client, django_assert_max_num_queries
):
    small = factories.make_submitted_application(units=1, elements=1)
    large = factories.make_submitted_application(units=10, elements=4)
    with django_assert_max_num_queries(30) as captured:
        admin_client.get(_url("verification", small))
    with django_assert_max_num_queries(len(captured.captured_queries)):
        admin_client.get(_url("verification", large))


# Document checks ----------------------------------------------------------------------------------


def test_saving_the_document_checks_stores_them_and_comes_back(admin_client, admin_user):
    assessment = factories.make_submitted_application()

    response = admin_client.post(
        _url("verification_documents", assessment), _all_checked(assessment), follow=True
    )

    assert response.redirect_chain[-1][0] == _url("verification", assessment)
    assert "The document checks are saved." in _messages(response)
    for document in _documents(assessment):
        assert (document.present, document.meets, document.checked_by) == (True, True, admin_user)


def test_an_incomplete_check_shows_the_error_and_stores_nothing(admin_client):
    assessment = factories.make_submitted_application()
    data = _all_checked(assessment)
    ktp = _documents(assessment).get(kind="ktp")
    del data[f"meets_{ktp.pk}"]

    response = admin_client.post(_url("verification_documents", assessment), data)

    assert response.status_code == 200
    assert "Choose Memenuhi or Tidak memenuhi." in response.content.decode()
    assert not _documents(assessment).filter(checked_at__isnull=False).exists()
    # What was chosen is still chosen.
    assert response.context["document_form"][f"present_{ktp.pk}"].value() == "1"


def test_the_document_checks_answer_htmx_with_the_documents_card(admin_client):
    assessment = factories.make_submitted_application()

    response = admin_client.post(
        _url("verification_documents", assessment),
        _all_checked(assessment, meets="0"),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="documents"' in html
    assert "<html" not in html
    assert "The document checks are saved." in html
    assert _documents(assessment).filter(present=True, meets=False).count() == 3


def test_a_refused_htmx_check_shows_the_reason_inside_the_card(admin_client, admin_user):
    assessment = factories.make_submitted_application()
    data = _all_checked(assessment)
    services.application_reject(assessment_id=assessment.pk, actor=admin_user, note="Tidak")

    response = admin_client.post(
        _url("verification_documents", assessment), data, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Only a submitted application is verified" in response.content.decode()
    assert not _documents(assessment).filter(checked_at__isnull=False).exists()


def test_the_document_checks_are_refused_once_decided(admin_client, admin_user):
    assessment = factories.make_submitted_application()
    data = _all_checked(assessment)
    services.application_reject(assessment_id=assessment.pk, actor=admin_user, note="Tidak")

    response = admin_client.post(_url("verification_documents", assessment), data, follow=True)

    assert any("Only a submitted application" in m for m in _messages(response))
    assert not _documents(assessment).filter(checked_at__isnull=False).exists()


# Payment ------------------------------------------------------------------------------------------


def test_confirming_the_payment(admin_client, admin_user):
    assessment = factories.make_submitted_application(fee=750_000)
    page = admin_client.get(_url("verification", assessment)).content.decode()
    assert _url("verification_payment", assessment) in page

    response = admin_client.post(_url("verification_payment", assessment), follow=True)

    assert "The payment is confirmed." in _messages(response)
    assessment.refresh_from_db()
    assert assessment.payment_confirmed_by == admin_user
    assert _url("verification_payment", assessment) not in response.content.decode()


def test_a_scheme_without_fee_shows_no_payment_and_refuses_a_confirmation(admin_client):
    assessment = factories.make_submitted_application(fee=0)
    assert (
        _url("verification_payment", assessment)
        not in admin_client.get(_url("verification", assessment)).content.decode()
    )

    response = admin_client.post(_url("verification_payment", assessment), follow=True)

    assert "This scheme has no fee to confirm." in _messages(response)
    assessment.refresh_from_db()
    assert assessment.payment_confirmed_at is None


# Decisions ----------------------------------------------------------------------------------------


def test_accepting_a_checked_and_paid_application(admin_client, admin_user):
    assessment = factories.make_submitted_application(fee=750_000)
    admin_client.post(_url("verification_documents", assessment), _all_checked(assessment))
    admin_client.post(_url("verification_payment", assessment))

    response = admin_client.post(
        _url("verification_accept", assessment), {"accept-note": "Selamat"}, follow=True
    )

    assert response.redirect_chain[-1][0] == _url("verification", assessment)
    assessment.refresh_from_db()
    assert (assessment.state, assessment.state_note) == (S.ACCEPTED, "Selamat")
    assert assessment.candidate.notifications.filter(body="Selamat").exists()
    # The decision forms are gone; the history says who accepted.
    html = response.content.decode()
    assert _url("verification_accept", assessment) not in html
    assert "Accepted" in html
    assert f"by {admin_user.full_name}" in html


def test_accept_is_refused_with_a_message_while_documents_are_unchecked(admin_client):
    assessment = factories.make_submitted_application()

    response = admin_client.post(_url("verification_accept", assessment), follow=True)

    assert (
        "Every document must be checked as present and meeting the requirement first."
        in _messages(response)
    )
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_accept_is_refused_with_a_message_while_the_payment_is_unconfirmed(admin_client):
    assessment = factories.make_submitted_application(fee=750_000)
    admin_client.post(_url("verification_documents", assessment), _all_checked(assessment))

    response = admin_client.post(_url("verification_accept", assessment), follow=True)

    assert "Confirm the payment first." in _messages(response)
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_accept_is_refused_in_the_wrong_state(admin_client):
    assessment = factories.assessment_in_state(S.ACCEPTED)

    response = admin_client.post(_url("verification_accept", assessment), follow=True)

    assert any("Only a submitted application" in m for m in _messages(response))


def test_reject_without_a_note_shows_the_error_and_changes_nothing(admin_client):
    assessment = factories.make_submitted_application()

    response = admin_client.post(_url("verification_reject", assessment), {"reject-note": " "})

    assert response.status_code == 200
    assert "Say why the application is not accepted." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_rejecting_with_a_note(admin_client):
    assessment = factories.make_submitted_application()

    response = admin_client.post(
        _url("verification_reject", assessment),
        {"reject-note": "Pengalaman kerja belum cukup."},
        follow=True,
    )

    assessment.refresh_from_db()
    assert (assessment.state, assessment.state_note) == (
        S.REJECTED,
        "Pengalaman kerja belum cukup.",
    )
    assert "Pengalaman kerja belum cukup." in response.content.decode()


def test_return_without_sections_keeps_the_note_typed(admin_client):
    assessment = factories.make_submitted_application()

    response = admin_client.post(
        _url("verification_return", assessment), {"return-note": "Foto KTP buram"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Name at least one section to revise." in html
    assert "Foto KTP buram" in html
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_return_refuses_a_section_that_does_not_exist(admin_client):
    assessment = factories.make_submitted_application()

    response = admin_client.post(
        _url("verification_return", assessment),
        {"return-note": "Perbaiki", "return-sections": ["state"]},
    )

    assert response.status_code == 200
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED


def test_the_revision_loop_through_the_pages(admin_client, client, admin_user):
    assessment = factories.make_submitted_application(fee=750_000)
    candidate = assessment.candidate
    admin_client.post(_url("verification_payment", assessment))

    response = admin_client.post(
        _url("verification_return", assessment),
        {"return-note": "KTP buram, unggah ulang.", "return-sections": ["documents"]},
        follow=True,
    )
    assessment.refresh_from_db()
    assert assessment.state == S.RETURNED
    assert assessment.returned_sections == ["documents"]
    html = response.content.decode()
    assert "Required documents" in html and "KTP buram, unggah ulang." in html
    assert candidate.notifications.filter(body="KTP buram, unggah ulang.").exists()

    # The candidate fixes the named section and submits again (through the services).
    services.document_upload(
        assessment_id=assessment.pk,
        actor=candidate,
        kind="ktp",
        uploaded=factories.pdf_upload("ktp-jelas.pdf"),
    )
    services.application_submit(assessment_id=assessment.pk, actor=candidate)

    page = admin_client.get(_url("verification", assessment))
    assert "ktp-jelas.pdf" in page.content.decode()
    admin_client.post(_url("verification_documents", assessment), _all_checked(assessment))
    response = admin_client.post(_url("verification_accept", assessment), follow=True)

    assessment.refresh_from_db()
    assert assessment.state == S.ACCEPTED
    labels = [event["label"] for event in response.context["history"]]
    assert labels == [
        "Draft",
        "Submitted",
        "Payment confirmed",
        "Returned for revision",
        "Submitted",
        "Accepted",
    ]
    assert response.context["history"][-1]["by"] == admin_user


def test_the_next_link_leads_to_the_next_submitted_application(admin_client, admin_user):
    version = factories.make_scheme_version(units=1, elements=1, required_documents=["ktp"])
    first = factories.make_submitted_application(scheme_version=version)
    second = factories.make_submitted_application(scheme_version=version)
    third = factories.make_submitted_application(scheme_version=version)

    assert admin_client.get(_url("verification", first)).context["next_application"] == second
    assert admin_client.get(_url("verification", third)).context["next_application"] == first

    services.application_reject(assessment_id=second.pk, actor=admin_user, note="Tidak")
    response = admin_client.get(_url("verification", second))
    assert response.context["next_application"] == first
    assert _url("verification", first) in response.content.decode()

"""Who reaches the candidate's application pages: the owner only (another candidate gets 404 on
every page and every POST, never a hint that the application exists), and nobody anonymously."""

import pytest
from django.urls import reverse

from assessments.models import Assessment
from schemes.models import Element
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(candidate):
    version = factories.make_scheme_version(required_documents=["ktp"])
    assessment = factories.AssessmentFactory(candidate=candidate, scheme_version=version)
    factories.complete_application(assessment)
    return assessment


def _pages(assessment: Assessment) -> list[tuple[str, str]]:
    """(method, url) of every page and action that belongs to one application."""
    pk = assessment.pk
    element = Element.objects.filter(
        unit__scheme_units__group__version=assessment.scheme_version_id
    ).first()
    item = assessment.evidence.first()
    request = factories.EvidenceRequestFactory(assessment=assessment)
    document = assessment.documents.first()
    return [
        ("get", reverse("assessments:application_edit", args=[pk])),
        ("post", reverse("assessments:application_edit", args=[pk])),
        ("get", reverse("assessments:documents", args=[pk])),
        ("post", reverse("assessments:documents", args=[pk])),
        ("get", reverse("assessments:apl02", args=[pk])),
        ("post", reverse("assessments:apl02_answer", args=[pk, element.pk])),
        ("get", reverse("assessments:evidence", args=[pk])),
        ("post", reverse("assessments:evidence", args=[pk])),
        ("post", reverse("assessments:evidence_supersede", args=[pk, item.pk])),
        ("post", reverse("assessments:evidence_delete", args=[pk, item.pk])),
        ("post", reverse("assessments:evidence_request_upload", args=[pk, request.pk])),
        ("post", reverse("assessments:evidence_request_answer", args=[pk, request.pk])),
        ("get", reverse("assessments:submit", args=[pk])),
        ("post", reverse("assessments:submit", args=[pk])),
        ("get", reverse("assessments:document_file", args=[document.pk])),
        ("get", reverse("assessments:evidence_file", args=[item.pk])),
    ]


def test_another_candidate_gets_404_on_every_page_and_action(client, assessment, other_candidate):
    client.force_login(other_candidate)
    pages = _pages(assessment)
    for method, url in pages:
        response = getattr(client, method)(url, {"e1-answer": "K", "title": "x"})
        assert response.status_code == 404, (method, url)
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.DRAFT
    assert assessment.evidence.count() == 1


def test_an_unknown_application_is_404(client, candidate):
    client.force_login(candidate)
    assert client.get(reverse("assessments:documents", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, assessment):
    pages = [
        ("get", reverse("assessments:profile")),
        ("get", reverse("assessments:apply")),
        *_pages(assessment),
    ]
    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login")), (method, url)


def test_the_owner_reaches_every_page(client, candidate, assessment):
    client.force_login(candidate)
    for name in ("application_edit", "documents", "apl02", "evidence", "submit"):
        response = client.get(reverse(f"assessments:{name}", args=[assessment.pk]))
        assert response.status_code == 200, name

"""The candidate's tracker and result page say what the pleno decided and link the certificate
(certification registers its reader with assessments.results)."""

import pytest
from django.conf import settings
from django.urls import reverse

from assessments import results
from tests import factories

pytestmark = pytest.mark.django_db
PAGES = ("assessments:application", "assessments:feedback")


def _result_card(client, assessment, page: str) -> str:
    client.force_login(assessment.candidate)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse(page, args=[assessment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="result-heading"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("page", PAGES)
def test_a_certified_candidate_sees_certified_and_the_certificate(client, page):
    certificate = factories.issued_certificate()
    assessment = certificate.decision.assessment

    card = _result_card(client, assessment, page)

    assert 'data-outcome="certified"' in card
    assert ">Certified</span>" in card
    assert f'href="{reverse("certificate_detail", args=[certificate.pk])}"' in card
    assert certificate.number in card
    certificate_page = client.get(reverse("certificate_detail", args=[certificate.pk]))
    assert certificate_page.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_certified_before_the_certificate_is_issued(client, page):
    assessment = factories.decided_with_decision(certified=True).assessment

    card = _result_card(client, assessment, page)

    assert ">Certified</span>" in card
    assert "certificate_detail" not in card
    assert "/certificates/" not in card


@pytest.mark.parametrize("page", PAGES)
def test_a_candidate_not_certified_is_told_so(client, page):
    assessment = factories.decided_with_decision(certified=False).assessment

    card = _result_card(client, assessment, page)

    assert 'data-outcome="not_certified"' in card
    assert ">Not certified</span>" in card
    assert "/certificates/" not in card


def test_in_indonesian(client):
    assessment = factories.decided_with_decision(certified=False).assessment
    client.force_login(assessment.candidate)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    html = client.get(reverse("assessments:application", args=[assessment.pk])).content.decode()
    assert ">Tidak disertifikasi</span>" in html


def test_without_a_reader_there_is_no_outcome(monkeypatch):
    assessment = factories.decided_with_decision(certified=True).assessment
    assessment.refresh_from_db()
    assert results.certification_outcome(assessment).certified is True
    monkeypatch.setattr(results, "_reader", None)
    assert results.certification_outcome(assessment) is None


def test_before_the_decision_there_is_no_outcome_and_no_query(django_assert_num_queries):
    assessment = factories.reported_with_units()
    with django_assert_num_queries(0):
        assert results.certification_outcome(assessment) is None

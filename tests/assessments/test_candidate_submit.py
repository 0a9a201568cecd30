"""The review-and-submit page: every open problem with a link to fix it, then submitting."""

import pytest
from django.conf import settings
from django.urls import reverse

from assessments.models import Assessment, SelfAssessment
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(assessment) -> str:
    return reverse("assessments:submit", args=[assessment.pk])


def test_the_page_lists_every_problem_with_a_link_to_fix_it(en, candidate):
    version = factories.make_scheme_version(required_documents=["ktp"])
    assessment = factories.AssessmentFactory(candidate=candidate, scheme_version=version)
    en.force_login(candidate)
    response = en.get(_url(assessment))
    checklist = response.context["checklist"]
    assert [(item["section"], item["url"]) for item in checklist] == [
        ("documents", reverse("assessments:documents", args=[assessment.pk])),
        ("apl02", reverse("assessments:apl02", args=[assessment.pk])),
    ]
    body = response.content.decode()
    assert "Upload the document: ID card (KTP)." in body
    assert "Submit my application" not in body


def test_a_missing_profile_links_to_the_profile_and_back(en):
    assessment = factories.AssessmentFactory()  # its candidate has no profile
    en.force_login(assessment.candidate)
    (first, *_rest) = en.get(_url(assessment)).context["checklist"]
    assert first["section"] == "profile"
    assert first["url"] == reverse("assessments:profile") + "?next=" + _url(assessment).replace(
        "/", "%2F"
    )


def test_submitting_an_incomplete_application_is_refused_with_the_reasons(en, candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    en.force_login(candidate)
    response = en.post(_url(assessment), follow=True)
    assert "Answer every element of the self-assessment" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT


def test_k_without_evidence_blocks_submitting(en, candidate):
    assessment = factories.complete_application(factories.AssessmentFactory(candidate=candidate))
    answer = SelfAssessment.objects.filter(assessment=assessment).first()
    answer.evidence.clear()
    en.force_login(candidate)
    assert [i["section"] for i in en.get(_url(assessment)).context["checklist"]] == ["apl02"]
    response = en.post(_url(assessment), follow=True)
    assert "1 element(s) claimed K have no evidence linked." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.state == S.DRAFT


def test_a_complete_application_is_submitted_and_shows_its_progress(en, candidate):
    assessment = factories.complete_application(factories.AssessmentFactory(candidate=candidate))
    en.force_login(candidate)
    page = en.get(_url(assessment))
    assert page.context["checklist"] == []
    assert "Submit my application" in page.content.decode()
    response = en.post(_url(assessment))
    assert response["Location"] == reverse("assessments:application", args=[assessment.pk])
    assessment.refresh_from_db()
    assert assessment.state == S.SUBMITTED
    assert assessment.history.first().history_change_reason == "submitted by candidate"


def test_a_submitted_application_has_no_submit_button_and_refuses_a_post(en):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    en.force_login(assessment.candidate)
    page = en.get(_url(assessment)).content.decode()
    assert "Submit my application" not in page
    assert "it can no longer be changed here" in page
    response = en.post(_url(assessment), follow=True)
    assert "The application can no longer be changed" in response.content.decode()


def test_the_submit_page_needs_a_get_or_post(en, candidate):
    assessment = factories.AssessmentFactory(candidate=candidate)
    en.force_login(candidate)
    assert en.delete(_url(assessment)).status_code == 405


def test_the_page_costs_the_same_queries_for_a_small_or_large_application(
    en, candidate, other_candidate, django_assert_num_queries
):
    small = factories.complete_application(
        factories.AssessmentFactory(
            candidate=candidate, scheme_version=factories.make_scheme_version(units=1)
        )
    )
    large = factories.complete_application(
        factories.AssessmentFactory(
            candidate=other_candidate,
            scheme_version=factories.make_scheme_version(
                units=10, elements=4, required_documents=["photo", "ktp", "ijazah", "cv"]
            ),
        )
    )
    for assessment in (small, large):
        en.force_login(assessment.candidate)
        en.get(_url(assessment))  # warm the per-site caches
        with django_assert_num_queries(11):
            en.get(_url(assessment))

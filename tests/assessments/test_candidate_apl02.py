"""The FR.APL.02 page: questions per unit and element with their KUK, K/BK and evidence saved per
element (htmx partial with the progress out of band, or a plain POST back to the element), the
refusals, and a constant number of queries whatever the size of the scheme."""

import pytest
from django.conf import settings
from django.urls import reverse

from assessments.models import Assessment, SelfAssessment
from schemes.models import Element
from tests import factories

pytestmark = pytest.mark.django_db

S = Assessment.State
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def assessment(candidate):
    return factories.AssessmentFactory(
        candidate=candidate, scheme_version=factories.make_scheme_version(units=2, elements=2)
    )


def _elements(assessment) -> list[Element]:
    return list(
        Element.objects.filter(
            unit__scheme_units__group__version=assessment.scheme_version_id
        ).order_by("pk")
    )


def _answer_url(assessment, element) -> str:
    return reverse("assessments:apl02_answer", args=[assessment.pk, element.pk])


def _evidence(assessment, title="Laporan proyek"):
    return factories.EvidenceFactory(assessment=assessment, title=title)


def test_the_page_asks_each_element_as_a_question_with_its_kuk(en, candidate, assessment):
    element = _elements(assessment)[0]
    Element.objects.filter(pk=element.pk).update(
        question_text="Dapatkah saya memasang kabel jaringan?"
    )
    en.force_login(candidate)
    response = en.get(reverse("assessments:apl02", args=[assessment.pk]))
    body = response.content.decode()
    assert "Dapatkah saya memasang kabel jaringan?" in body
    # Without a question text, the question is built from the element title.
    assert f"Dapatkah saya {_elements(assessment)[1].title[:1].lower()}" in body
    assert element.criteria.first().text in body
    assert response.context["progress"] == {"answered": 0, "total": 4, "percent": 0}
    assert "0 of 4 elements answered" in body


def test_a_plain_post_saves_and_returns_to_the_element(en, candidate, assessment):
    element = _elements(assessment)[0]
    item = _evidence(assessment)
    en.force_login(candidate)
    prefix = f"e{element.pk}"
    response = en.post(
        _answer_url(assessment, element), {f"{prefix}-answer": "K", f"{prefix}-evidence": item.pk}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/apl02/#element-{element.pk}")
    answer = SelfAssessment.objects.get(assessment=assessment, element=element)
    assert (answer.answer, list(answer.evidence.all())) == ("K", [item])


def test_an_htmx_save_returns_the_element_with_a_saved_mark_and_the_progress(
    en, candidate, assessment
):
    element = _elements(assessment)[0]
    item = _evidence(assessment)
    en.force_login(candidate)
    prefix = f"e{element.pk}"
    response = en.post(
        _answer_url(assessment, element),
        {f"{prefix}-answer": "K", f"{prefix}-evidence": [item.pk]},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<div id="element-{element.pk}"')
    assert "data-saved" in body
    assert 'id="apl02-progress" class="card mb-3 sticky-top apl02-progress" hx-swap-oob="true"' in (
        body
    )
    assert "1 of 4 elements answered" in body
    assert 'hx-swap-oob="true">1/2</span>' in body
    assert f'value="{item.pk}" id="e{element.pk}-evidence-{item.pk}" checked' in body
    assert "<html" not in body


def test_k_without_evidence_is_saved_but_flagged(en, candidate, assessment):
    element = _elements(assessment)[0]
    en.force_login(candidate)
    response = en.post(_answer_url(assessment, element), {f"e{element.pk}-answer": "K"}, **HTMX)
    assert "data-unsupported" in response.content.decode()
    assert SelfAssessment.objects.filter(assessment=assessment, answer="K").count() == 1


def test_foreign_evidence_is_refused_in_the_partial_and_nothing_is_saved(en, candidate, assessment):
    element = _elements(assessment)[0]
    foreign = factories.EvidenceFactory()
    en.force_login(candidate)
    prefix = f"e{element.pk}"
    response = en.post(
        _answer_url(assessment, element),
        {f"{prefix}-answer": "K", f"{prefix}-evidence": [foreign.pk]},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body
    assert "data-saved" not in body
    assert not SelfAssessment.objects.filter(assessment=assessment).exists()


def test_a_missing_answer_is_explained(en, candidate, assessment):
    element = _elements(assessment)[0]
    en.force_login(candidate)
    response = en.post(_answer_url(assessment, element), {}, follow=True)
    assert "Choose K or BK." in response.content.decode()
    assert not SelfAssessment.objects.exists()


def test_an_element_of_another_scheme_is_404(en, candidate, assessment):
    foreign = _elements(factories.AssessmentFactory())[0]
    en.force_login(candidate)
    response = en.post(_answer_url(assessment, foreign), {f"e{foreign.pk}-answer": "K"})
    assert response.status_code == 404
    assert not SelfAssessment.objects.exists()


def test_a_submitted_application_shows_the_answers_disabled_and_refuses_a_post(en):
    assessment = factories.assessment_in_state(S.SUBMITTED)
    element = _elements(assessment)[0]
    en.force_login(assessment.candidate)
    page = en.get(reverse("assessments:apl02", args=[assessment.pk])).content.decode()
    assert "<fieldset disabled>" in page
    assert "hx-post" not in page
    response = en.post(
        _answer_url(assessment, element), {f"e{element.pk}-answer": "BK"}, follow=True
    )
    assert "The application can no longer be changed" in response.content.decode()
    assert not SelfAssessment.objects.filter(assessment=assessment).exists()


def _scheme_with(candidate, units: int) -> Assessment:
    version = factories.make_scheme_version(units=units, elements=4, criteria=3)
    assessment = factories.AssessmentFactory(candidate=candidate, scheme_version=version)
    items = [_evidence(assessment, f"Bukti {n}") for n in range(3)]
    for element in _elements(assessment)[::2]:
        answer = SelfAssessment.objects.create(assessment=assessment, element=element, answer="K")
        answer.evidence.set(items[:2])
    return assessment


def test_the_page_costs_the_same_queries_for_a_2_or_10_unit_scheme(
    en, candidate, django_assert_num_queries
):
    small = _scheme_with(candidate, units=2)
    large = _scheme_with(factories.CandidateProfileFactory().user, units=10)
    pages = [(small, reverse("assessments:apl02", args=[small.pk]))]
    pages.append((large, reverse("assessments:apl02", args=[large.pk])))
    totals = []
    for assessment, url in pages:
        en.force_login(assessment.candidate)
        # Warm the per-site caches (the LSP record, the published scheme's structure) so that
        # both runs count the same: session, user, assessment, current evidence, answers, their
        # evidence (the session is not saved again within a minute of the sign-in).
        en.get(url)
        with django_assert_num_queries(6):
            response = en.get(url)
        totals.append(response.context["progress"])
    assert totals == [
        {"answered": 4, "total": 8, "percent": 50},
        {"answered": 20, "total": 40, "percent": 50},
    ]


def test_answers_are_only_posted(en, candidate, assessment):
    en.force_login(candidate)
    assert en.get(_answer_url(assessment, _elements(assessment)[0])).status_code == 405

"""The decision page (step 4, FR.AK.02 per unit) and the feedback page (step 5, with the
recommendation)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.forms_assessor_decide import GAP_PHRASES, STRENGTH_PHRASES
from assessments.models import Assessment, AssessorFeedback, UnitDecision
from schemes.models import Criterion
from tests import factories

S = Assessment.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def running(assessor):
    return factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)


def _url(assessment, name, *args):
    return reverse(f"assessments:{name}", args=[assessment.pk, *args])


def _observe_all(assessment, unit, achieved=True):
    for criterion in Criterion.objects.filter(element__unit=unit):
        services.observation_save(
            assessment_id=assessment.pk,
            actor=assessment.assessor,
            criterion_id=criterion.pk,
            achieved=achieved,
        )


def _decision_post(unit, outcome, sources=("observasi",), reason="", follow_up=""):
    prefix = f"u{unit.pk}"
    return {
        f"{prefix}-outcome": outcome,
        f"{prefix}-sources": list(sources),
        f"{prefix}-reason": reason,
        f"{prefix}-follow_up": follow_up,
    }


def _same_queries(client, url_of, assessments) -> list[int]:
    counts = []
    for assessment in assessments:
        client.get(url_of(assessment))  # warm the per-process caches (the LSP record)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url_of(assessment)).status_code == 200
        counts.append(len(queries))
    return counts


# Step 4 -----------------------------------------------------------------------------------------


def test_the_decision_page_shows_every_unit_with_its_coverage_and_the_overall(en, running):
    unit = factories.scheme_units(running)[0]
    _observe_all(running, unit)
    en.force_login(running.assessor)
    body = en.get(_url(running, "assess_decide")).content.decode()
    for u in factories.scheme_units(running):
        assert u.code in body and f'id="unit-{u.pk}"' in body
    assert "4/4 KUK supported" in body and "0/4 KUK supported" in body
    assert "Not yet decided" in body and "2 units of 2 are still undecided." in body
    # The evidence used is preselected from the record: observations for the observed unit.
    assert (
        f'name="u{unit.pk}-sources" id="id_u{unit.pk}-sources_0" value="observasi" checked' in body
    )


def test_k_for_an_uncovered_unit_is_refused_next_to_it_with_a_link_to_the_coverage(en, running):
    unit = factories.scheme_units(running)[0]
    en.force_login(running.assessor)
    response = en.post(_url(running, "assess_decide_unit", unit.pk), _decision_post(unit, "K"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "4 KUK of this unit have neither" in body
    coverage = _url(running, "assess_evidence") + f"#coverage-unit-{unit.pk}"
    assert f'href="{coverage}" class="alert-link"' in body
    assert not UnitDecision.objects.exists()


def test_k_with_a_tidak_is_refused_in_the_htmx_card(en, running):
    unit = factories.scheme_units(running)[0]
    _observe_all(running, unit, achieved=False)
    en.force_login(running.assessor)
    response = en.post(
        _url(running, "assess_decide_unit", unit.pk),
        _decision_post(unit, "K"),
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "observed &#x27;Tidak&#x27;: decide BK or request more evidence" in body
    assert not UnitDecision.objects.exists()


def test_bk_without_reason_and_follow_up_shows_the_error_at_both_fields(en, running):
    unit = factories.scheme_units(running)[0]
    en.force_login(running.assessor)
    response = en.post(_url(running, "assess_decide_unit", unit.pk), _decision_post(unit, "BK"))
    body = response.content.decode()
    assert body.count("For BK, give the reason and the follow-up") == 2
    assert body.count("is-invalid") == 2
    assert not UnitDecision.objects.exists()


def test_a_decision_without_evidence_used_is_refused(en, running):
    unit = factories.scheme_units(running)[0]
    en.force_login(running.assessor)
    response = en.post(
        _url(running, "assess_decide_unit", unit.pk),
        _decision_post(unit, "BK", sources=(), reason="x", follow_up="y"),
    )
    assert "Name the evidence the decision is based on." in response.content.decode()
    assert not UnitDecision.objects.exists()


def test_a_k_decision_is_saved_and_htmx_updates_the_overall(en, running):
    first, second = factories.scheme_units(running)
    _observe_all(running, first)
    en.force_login(running.assessor)
    response = en.post(_url(running, "assess_decide_unit", first.pk), _decision_post(first, "K"))
    assert response.status_code == 302
    assert response.url == _url(running, "assess_decide") + f"#unit-{first.pk}"
    assert UnitDecision.objects.get(unit=first).outcome == "K"
    response = en.post(
        _url(running, "assess_decide_unit", second.pk),
        _decision_post(second, "BK", reason="Belum konsisten", follow_up="Ulangi elemen 2"),
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "Decision saved." in body and 'id="overall"' in body and 'hx-swap-oob="true"' in body
    assert "BK · Belum Kompeten" in body


def test_a_unit_of_another_scheme_is_404(en, running):
    foreign = factories.make_unit()
    en.force_login(running.assessor)
    response = en.post(
        _url(running, "assess_decide_unit", foreign.pk),
        _decision_post(foreign, "BK", reason="x", follow_up="y"),
    )
    assert response.status_code == 404


def test_another_assessor_gets_404_on_the_decision_pages(en, running, other_assessor):
    unit = factories.scheme_units(running)[0]
    en.force_login(other_assessor)
    assert en.get(_url(running, "assess_decide")).status_code == 404
    response = en.post(
        _url(running, "assess_decide_unit", unit.pk),
        _decision_post(unit, "BK", reason="x", follow_up="y"),
    )
    assert response.status_code == 404
    assert en.get(_url(running, "assess_feedback")).status_code == 404
    assert not UnitDecision.objects.exists()


def test_after_the_recommendation_the_decisions_are_read_only(en, running):
    factories.decide_all_units(running, bk=(1,))
    services.recommendation_submit(assessment_id=running.pk, actor=running.assessor)
    en.force_login(running.assessor)
    body = en.get(_url(running, "assess_decide")).content.decode()
    assert "Save decision" not in body and "Ulangi unit" in body
    assert "BK · Belum Kompeten" in body


def test_the_decision_page_takes_the_same_queries_for_2_and_10_units(en, assessor):
    assessments = [
        factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor, units=units)
        for units in (2, 10)
    ]
    for assessment in assessments:
        unit = factories.scheme_units(assessment)[0]
        _observe_all(assessment, unit)
        services.unit_decide(
            assessment_id=assessment.pk,
            actor=assessor,
            unit_id=unit.pk,
            outcome="K",
            sources=["observasi"],
        )
    en.force_login(assessor)
    counts = _same_queries(en, lambda a: _url(a, "assess_decide"), assessments)
    assert counts[0] == counts[1]


# Step 5 -----------------------------------------------------------------------------------------


def test_the_feedback_page_offers_phrases_and_lists_what_is_missing(en, running):
    en.force_login(running.assessor)
    body = en.get(_url(running, "assess_feedback")).content.decode()
    unit = factories.scheme_units(running)[0]
    assert f'data-phrase-target="id_f{unit.pk}-strengths"' in body
    assert f'data-phrase-target="id_f{unit.pk}-gaps"' in body
    assert str(STRENGTH_PHRASES[0]) in body and str(GAP_PHRASES[0]) in body
    assert "Decide K or BK for every unit (2 undecided)." in body
    assert "Write feedback for every unit." in body
    assert "Send recommendation</button>" not in body


def test_feedback_is_saved_per_unit_and_htmx_refreshes_what_is_missing(en, running):
    factories.decide_all_units(running, feedback=False)
    first, second = factories.scheme_units(running)
    en.force_login(running.assessor)
    response = en.post(
        _url(running, "assess_feedback_unit", first.pk),
        {f"f{first.pk}-strengths": "Anda menunjukkan kerja yang rapi.", f"f{first.pk}-gaps": ""},
    )
    assert response.status_code == 302
    assert AssessorFeedback.objects.get(unit=first).strengths == "Anda menunjukkan kerja yang rapi."
    response = en.post(
        _url(running, "assess_feedback_unit", second.pk),
        {f"f{second.pk}-strengths": "Baik.", f"f{second.pk}-gaps": "Latih pengujian."},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "Feedback saved." in body and '<section id="send"' in body
    assert "Send recommendation</button>" in body


def test_feedback_without_strengths_is_refused_and_what_was_typed_kept(en, running):
    unit = factories.scheme_units(running)[0]
    en.force_login(running.assessor)
    response = en.post(
        _url(running, "assess_feedback_unit", unit.pk),
        {f"f{unit.pk}-strengths": "", f"f{unit.pk}-gaps": "Latih lagi penulisan kode"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "This field is required." in body
    assert "Latih lagi penulisan kode" in body
    assert not AssessorFeedback.objects.exists()


def test_sending_an_incomplete_recommendation_is_refused(en, running):
    en.force_login(running.assessor)
    response = en.post(_url(running, "assess_recommend"), follow=True)
    assert "Decide K or BK for every unit" in response.content.decode()
    running.refresh_from_db()
    assert running.state == S.IN_PROGRESS


def test_the_recommendation_is_sent_and_the_assessor_goes_to_the_report(en, running):
    factories.decide_all_units(running)
    en.force_login(running.assessor)
    response = en.post(_url(running, "assess_recommend"))
    assert response.status_code == 302 and response.url == _url(running, "assess_report")
    running.refresh_from_db()
    assert running.state == S.RECOMMENDED
    body = en.get(_url(running, "assess_feedback")).content.decode()
    assert "Save feedback" not in body and "The recommendation was sent" in body


def test_the_recommendation_takes_only_post(en, running):
    en.force_login(running.assessor)
    assert en.get(_url(running, "assess_recommend")).status_code == 405


def test_the_feedback_page_takes_the_same_queries_for_2_and_10_units(en, assessor):
    assessments = [
        factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor, units=units)
        for units in (2, 10)
    ]
    for assessment in assessments:
        factories.decide_all_units(assessment, bk=(1,))
    en.force_login(assessor)
    counts = _same_queries(en, lambda a: _url(a, "assess_feedback"), assessments)
    assert counts[0] == counts[1]

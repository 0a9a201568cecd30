"""The report step (6): the record's summary and its submission, and the event report
(FR.AK.05 with the Berita Acara counts)."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import AK03_ITEMS, Assessment, EventReport
from tests import factories

S = Assessment.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def recommended(assessor):
    assessment = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    factories.decide_all_units(assessment, bk=(1,))
    services.recommendation_submit(assessment_id=assessment.pk, actor=assessor)
    assessment.refresh_from_db()
    return assessment


def _url(assessment):
    return reverse("assessments:assess_report", args=[assessment.pk])


def _event_url(event):
    return reverse("assessments:event_report", args=[event.pk])


# The record -------------------------------------------------------------------------------------


def test_the_summary_shows_units_feedback_and_the_candidates_ak03(en, recommended):
    services.feedback_submit(
        assessment_id=recommended.pk,
        actor=recommended.candidate,
        answers=[True] * (len(AK03_ITEMS) - 1) + [False],
        comments=[""] * len(AK03_ITEMS),
        notes="Penjelasan asesor jelas.",
    )
    en.force_login(recommended.assessor)
    body = en.get(_url(recommended)).content.decode()
    first, second = factories.scheme_units(recommended)
    assert first.code in body and second.code in body
    assert "KUK belum tampak konsisten" in body and f"Ulangi unit {second.code}" in body
    assert "Anda menunjukkan langkah kerja yang runtut." in body
    assert "BK · Belum Kompeten" in body
    assert "Penjelasan asesor jelas." in body and str(AK03_ITEMS[0]) in body
    assert "Submit the record</button>" in body


def test_submitting_the_record_makes_the_pages_read_only(en, recommended):
    en.force_login(recommended.assessor)
    response = en.post(_url(recommended))
    assert response.status_code == 302 and response.url == _url(recommended)
    recommended.refresh_from_db()
    assert recommended.state == S.REPORTED
    body = en.get(_url(recommended)).content.decode()
    assert "Submit the record</button>" not in body and "The record is read-only." in body
    for name in ("assess_decide", "assess_feedback", "assess_evidence"):
        page = en.get(reverse(f"assessments:{name}", args=[recommended.pk])).content.decode()
        assert '<form method="post" action="/assessments/assess/' not in page
    # A second submission is refused with a message, nothing changes.
    response = en.post(_url(recommended), follow=True)
    assert "not possible while the assessment is Reported" in response.content.decode()


def test_the_record_cannot_be_submitted_before_the_recommendation(en, assessor):
    running = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor)
    en.force_login(assessor)
    body = en.get(_url(running)).content.decode()
    assert "Submit the record</button>" not in body
    en.post(_url(running))
    running.refresh_from_db()
    assert running.state == S.IN_PROGRESS


def test_another_assessor_gets_404_on_the_report(en, recommended, other_assessor):
    en.force_login(other_assessor)
    assert en.get(_url(recommended)).status_code == 404
    assert en.post(_url(recommended)).status_code == 404
    recommended.refresh_from_db()
    assert recommended.state == S.RECOMMENDED


def test_the_report_page_takes_the_same_queries_for_2_and_10_units(en, assessor):
    counts = []
    en.force_login(assessor)
    for units in (2, 10):
        assessment = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor, units=units)
        factories.decide_all_units(assessment, bk=(0,))
        en.get(_url(assessment))
        with CaptureQueriesContext(connection) as queries:
            assert en.get(_url(assessment)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# FR.AK.05 and the Berita Acara ------------------------------------------------------------------


@pytest.fixture
def event(assessor):
    """An event with one candidate K, one BK (both reported), one absent and one in progress."""
    event, (k, bk, _absent, running) = factories.event_with_candidates(
        assessor=assessor, states=[S.IN_PROGRESS, S.IN_PROGRESS, S.ABSENT, S.IN_PROGRESS]
    )
    for assessment, bk_units in ((k, ()), (bk, (1,))):
        factories.decide_all_units(assessment, bk=bk_units)
        services.recommendation_submit(assessment_id=assessment.pk, actor=assessor)
        services.report_submit(assessment_id=assessment.pk, actor=assessor)
    event.running = running
    event.bk = bk
    return event


def test_the_event_report_shows_each_candidate_and_the_berita_acara_counts(en, event, assessor):
    en.force_login(assessor)
    response = en.get(_event_url(event))
    assert response.status_code == 200
    body = response.content.decode()
    counts = response.context["counts"]
    assert counts == {"candidates": 4, "present": 3, "k": 1, "bk": 1, "absent": 1, "open": 1}
    bk_unit = factories.scheme_units(event.bk)[1]
    assert bk_unit.code in body
    assert "Issue certificate" in body and "Reassess" in body and "Absent" in body
    assert "Record not submitted yet" in body
    assert event.running.candidate.full_name in body


def test_the_event_report_is_saved_but_not_submitted_while_a_record_is_open(en, event, assessor):
    en.force_login(assessor)
    data = {
        "positive_aspects": "Tepat waktu",
        "negative_aspects": "",
        "rejections": "",
        "suggestions": "Tambah komputer",
    }
    response = en.post(_event_url(event), data)
    assert response.status_code == 302
    assert EventReport.objects.get().suggestions == "Tambah komputer"
    response = en.post(_event_url(event), {**data, "suggestions": "Baru", "submit": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Submit every candidate&#x27;s record before the event report." in body
    assert "Baru" in body  # what was typed is kept
    report = EventReport.objects.get()
    assert report.submitted_at is None and report.suggestions == "Tambah komputer"


def test_the_event_report_is_submitted_once_every_record_is_and_then_read_only(en, event, assessor):
    factories.decide_all_units(event.running)
    services.recommendation_submit(assessment_id=event.running.pk, actor=assessor)
    services.report_submit(assessment_id=event.running.pk, actor=assessor)
    en.force_login(assessor)
    data = {
        "positive_aspects": "Lancar",
        "negative_aspects": "",
        "rejections": "Tidak ada",
        "suggestions": "",
        "submit": "1",
    }
    response = en.post(_event_url(event), data)
    assert response.status_code == 302
    report = EventReport.objects.get()
    assert report.submitted_at is not None and report.rejections == "Tidak ada"
    body = en.get(_event_url(event)).content.decode()
    assert "Submit the report" not in body and "Lancar" in body
    en.post(_event_url(event), {**data, "positive_aspects": "Diubah"})
    report.refresh_from_db()
    assert report.positive_aspects == "Lancar"


@pytest.mark.parametrize("who", ["other_assessor", "admin_user", "candidate"])
def test_the_event_report_is_404_for_anyone_not_assigned(en, event, who, request):
    en.force_login(request.getfixturevalue(who))
    assert en.get(_event_url(event)).status_code == 404
    assert en.post(_event_url(event), {"positive_aspects": "x"}).status_code == 404
    assert not EventReport.objects.exists()


def test_the_event_report_takes_the_same_queries_for_2_and_6_candidates(en, assessor):
    counts = []
    en.force_login(assessor)
    for n in (2, 6):
        event, assessments = factories.event_with_candidates(
            assessor=assessor, states=[S.IN_PROGRESS] * n
        )
        for assessment in assessments:
            factories.decide_all_units(assessment, bk=(1,), feedback=False)
        en.get(_event_url(event))
        with CaptureQueriesContext(connection) as queries:
            assert en.get(_event_url(event)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]

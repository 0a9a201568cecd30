"""The evidence review page (step 3): FR.IA.08 per item with optimistic versions, requests for
more evidence, FR.IA.10 and the coverage view."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Assessment,
    EvidenceRequest,
    EvidenceReview,
    ImpartialityDeclaration,
    ThirdPartyVerification,
)
from assessments.services import THIRD_PARTY_QUESTIONS
from schemes.models import Criterion
from tests import factories

S = Assessment.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def prepared(assessor):
    return factories.assessor_assessment(S.PREPARED, assessor=assessor)


def _url(assessment, name="assess_evidence", *args):
    return reverse(f"assessments:{name}", args=[assessment.pk, *args])


def _element(assessment, position=0):
    unit = factories.scheme_units(assessment)[position]
    return unit.elements.order_by("number").first()


def _review_post(evidence, *, version, vatm=True, criteria=(), note=""):
    prefix = f"ev{evidence.pk}"
    data = {f"{prefix}-version": str(version), f"{prefix}-note": note}
    if vatm:
        data.update(
            {f"{prefix}-{k}": "on" for k in ("valid", "authentic", "current", "sufficient")}
        )
    data[f"{prefix}-criteria"] = [str(c.pk) for c in criteria]
    return data


# The page ---------------------------------------------------------------------------------------


def test_the_page_shows_each_item_with_its_preview_links_and_the_kuk_preselected(en, prepared):
    element = _element(prepared)
    picture = factories.linked_evidence(
        prepared,
        elements=[element],
        title="Foto instalasi",
        content_type="image/png",
        original_name="foto.png",
    )
    report = factories.linked_evidence(prepared, title="Laporan proyek")
    en.force_login(prepared.assessor)
    response = en.get(_url(prepared))
    assert response.status_code == 200
    body = response.content.decode()
    picture_url = reverse("assessments:evidence_file", args=[picture.pk])
    report_url = reverse("assessments:evidence_file", args=[report.pk])
    assert f'<img src="{picture_url}?inline=1"' in body
    assert f'<object data="{report_url}?inline=1" type="application/pdf"' in body
    assert f'href="{report_url}"' in body  # the download fallback
    assert element.title in body
    # The KUK of the element the candidate linked are ticked for the first review.
    for criterion in element.criteria.all():
        assert f'value="{criterion.pk}" id="ev{picture.pk}-kuk-{criterion.pk}" checked' in body
    other = (
        Criterion.objects.exclude(element=element)
        .filter(element__unit__scheme_units__group__version=prepared.scheme_version_id)
        .first()
    )
    assert f'value="{other.pk}" id="ev{picture.pk}-kuk-{other.pk}">' in body
    assert f'name="ev{picture.pk}-version" value="0"' in body
    assert "KUK without support" in body and "no support" in body


def test_the_page_sends_the_assessor_to_the_impartiality_declaration_first(en, assessor):
    assessment = factories.assessor_may_act(
        factories.assessment_in_state(S.PREPARED, assessor=assessor), declare=False
    )
    en.force_login(assessor)
    response = en.get(_url(assessment))
    assert response.status_code == 302
    assert response.url == reverse("assessments:event_impartiality", args=[assessment.event_id])


@pytest.mark.parametrize("who", ["other_assessor", "candidate_of_it", "admin_user"])
def test_the_page_is_404_for_anyone_but_the_assigned_assessor(en, prepared, who, request):
    user = prepared.candidate if who == "candidate_of_it" else request.getfixturevalue(who)
    en.force_login(user)
    assert en.get(_url(prepared)).status_code == 404
    evidence = factories.EvidenceFactory(assessment=prepared)
    response = en.post(
        _url(prepared, "assess_evidence_review", evidence.pk), _review_post(evidence, version=0)
    )
    assert response.status_code == 404
    assert not EvidenceReview.objects.exists()


def test_a_declared_conflict_makes_the_candidate_404(en, prepared):
    ImpartialityDeclaration.objects.filter(assessment=prepared).update(
        relationship=ImpartialityDeclaration.Relationship.EMPLOYER, note="Rekan kerja"
    )
    en.force_login(prepared.assessor)
    assert en.get(_url(prepared)).status_code == 404


def test_an_assessor_out_of_scope_sees_why_and_no_forms(en, prepared):
    prepared.assessor.assessor_profile.scope.clear()
    factories.linked_evidence(prepared)
    en.force_login(prepared.assessor)
    body = en.get(_url(prepared)).content.decode()
    assert "This scheme is not in your scope." in body
    assert "Save review" not in body and "Send the request" not in body
    assert "Record a verification" not in body


def test_the_page_takes_the_same_queries_for_2_and_10_units(en, assessor):
    counts = []
    for units in (2, 10):
        assessment = factories.assessor_assessment(S.IN_PROGRESS, assessor=assessor, units=units)
        for position in range(2):
            factories.linked_evidence(assessment, elements=[_element(assessment, position)])
        factories.EvidenceRequestFactory(assessment=assessment, requested_by=assessor)
        en.force_login(assessor)
        en.get(_url(assessment))  # warm the per-process caches (the LSP record)
        with CaptureQueriesContext(connection) as queries:
            assert en.get(_url(assessment)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# FR.IA.08 ---------------------------------------------------------------------------------------


def test_a_review_is_saved_and_the_page_reloads_at_the_item(en, prepared):
    element = _element(prepared)
    evidence = factories.linked_evidence(prepared, elements=[element])
    kuk = list(element.criteria.all())
    en.force_login(prepared.assessor)
    response = en.post(
        _url(prepared, "assess_evidence_review", evidence.pk),
        _review_post(evidence, version=0, criteria=kuk, note="Asli, bertanggal 2025"),
    )
    assert response.status_code == 302
    assert response.url == _url(prepared) + f"#evidence-{evidence.pk}"
    review = EvidenceReview.objects.get(evidence=evidence)
    assert review.meets_vatm and review.note == "Asli, bertanggal 2025"
    assert set(review.criteria.values_list("pk", flat=True)) == {c.pk for c in kuk}
    evidence.refresh_from_db()
    assert evidence.is_reviewed


def test_htmx_gets_the_card_back_with_the_coverage_swapped_out_of_band(en, prepared):
    element = _element(prepared)
    evidence = factories.linked_evidence(prepared, elements=[element])
    en.force_login(prepared.assessor)
    response = en.post(
        _url(prepared, "assess_evidence_review", evidence.pk),
        _review_post(evidence, version=0, criteria=element.criteria.all()),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<article") and f'id="evidence-{evidence.pk}"' in body
    assert "Review saved." in body and f'name="ev{evidence.pk}-version" value="1"' in body
    assert '<section id="coverage"' in body and 'hx-swap-oob="true"' in body
    assert "<html" not in body


def test_a_stale_review_answers_409_with_the_saved_review_and_the_typed_values(en, prepared):
    evidence = factories.linked_evidence(prepared)
    en.force_login(prepared.assessor)
    url = _url(prepared, "assess_evidence_review", evidence.pk)
    en.post(url, _review_post(evidence, version=0, note="Dari tab pertama"))
    response = en.post(url, _review_post(evidence, version=0, vatm=False, note="Dari tab kedua"))
    assert response.status_code == 409
    body = response.content.decode()
    assert "saved meanwhile by Charlie Asesor" in body
    assert "Dari tab pertama" in body  # the saved review
    assert "Dari tab kedua" in body  # what was typed is kept
    assert f'name="ev{evidence.pk}-version" value="1"' in body  # saving again is deliberate
    review = EvidenceReview.objects.get(evidence=evidence)
    assert review.note == "Dari tab pertama" and review.version == 1
    htmx = en.post(
        url, _review_post(evidence, version=0, note="Tab ketiga"), HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 409 and "<html" not in htmx.content.decode()


def test_a_review_of_another_assessments_evidence_is_404(en, prepared, assessor):
    other = factories.assessor_assessment(S.PREPARED, assessor=assessor)
    evidence = factories.linked_evidence(other)
    en.force_login(assessor)
    response = en.post(
        _url(prepared, "assess_evidence_review", evidence.pk), _review_post(evidence, version=0)
    )
    assert response.status_code == 404
    assert not EvidenceReview.objects.exists()


def test_the_review_url_takes_only_post(en, prepared):
    evidence = factories.linked_evidence(prepared)
    en.force_login(prepared.assessor)
    assert en.get(_url(prepared, "assess_evidence_review", evidence.pk)).status_code == 405


def test_after_the_report_the_page_is_read_only_and_a_review_is_refused(en, assessor):
    reported = factories.assessor_assessment(S.REPORTED, assessor=assessor)
    reviewed = factories.linked_evidence(reported, title="Sertifikat pelatihan")
    review = EvidenceReview.objects.create(
        evidence=reviewed,
        valid=True,
        authentic=True,
        current=False,
        sufficient=True,
        note="Terbitan 2017",
        reviewed_by=assessor,
    )
    review.criteria.set(Criterion.objects.filter(element__unit=factories.scheme_units(reported)[0]))
    evidence = factories.linked_evidence(reported)
    en.force_login(assessor)
    body = en.get(_url(reported)).content.decode()
    assert "read-only" in body and "Save review" not in body
    assert "Terbitan 2017" in body and "Supports 4 KUK · reviewed by Charlie Asesor" in body
    response = en.post(
        _url(reported, "assess_evidence_review", evidence.pk), _review_post(evidence, version=0)
    )
    assert response.status_code == 200
    assert "not possible while the assessment is Reported" in response.content.decode()
    assert not EvidenceReview.objects.filter(evidence=evidence).exists()


# Requests and FR.IA.10 --------------------------------------------------------------------------


def test_a_request_for_more_evidence_is_sent_and_listed(en, prepared):
    en.force_login(prepared.assessor)
    due = timezone.localdate() + datetime.timedelta(days=4)
    response = en.post(
        _url(prepared, "assess_evidence_request"),
        {"request-what": "Foto hasil kerja KUK 1.2", "request-due_date": due.isoformat()},
    )
    assert response.status_code == 302 and response.url.endswith("#requests")
    request = EvidenceRequest.objects.get(assessment=prepared)
    assert request.due_date == due and request.requested_by == prepared.assessor
    assert prepared.candidate.notifications.filter(url__endswith="/evidence/").exists()
    body = en.get(_url(prepared)).content.decode()
    assert "Foto hasil kerja KUK 1.2" in body and "Open" in body


def test_a_request_with_a_past_due_date_is_refused_and_the_text_kept(en, prepared):
    en.force_login(prepared.assessor)
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = en.post(
        _url(prepared, "assess_evidence_request"),
        {"request-what": "Sertifikat pelatihan", "request-due_date": past.isoformat()},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "The due date is in the past." in body and "Sertifikat pelatihan" in body
    assert not EvidenceRequest.objects.exists()


def test_a_request_is_refused_when_the_scheme_is_out_of_scope(en, prepared):
    prepared.assessor.assessor_profile.scope.clear()
    en.force_login(prepared.assessor)
    due = timezone.localdate() + datetime.timedelta(days=4)
    response = en.post(
        _url(prepared, "assess_evidence_request"),
        {"request-what": "Foto", "request-due_date": due.isoformat()},
    )
    assert "This scheme is not in your scope." in response.content.decode()
    assert not EvidenceRequest.objects.exists()


def _ia10(**overrides):
    data = {
        "ia10-supervisor_name": "Hendra Gunawan",
        "ia10-workplace": "PT Celebes Data Prima",
        "ia10-phone": "0812 1111 2222",
        "ia10-relationship": "Atasan langsung",
        "ia10-known_for": "3 tahun",
        "ia10-comments": "Teliti.",
        **{f"ia10-q_{key}": "Y" for key in THIRD_PARTY_QUESTIONS},
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_third_party_verification_is_recorded_with_its_answers(en, prepared):
    en.force_login(prepared.assessor)
    response = en.post(_url(prepared, "assess_third_party"), _ia10(**{"ia10-q_safe": "T"}))
    assert response.status_code == 302 and response.url.endswith("#third-party")
    record = ThirdPartyVerification.objects.get(assessment=prepared)
    assert record.answers == {**dict.fromkeys(THIRD_PARTY_QUESTIONS, True), "safe": False}
    body = en.get(_url(prepared)).content.decode()
    assert "Hendra Gunawan" in body and "works safely" in body


def test_a_third_party_form_without_answers_is_shown_again_with_errors(en, prepared):
    en.force_login(prepared.assessor)
    response = en.post(
        _url(prepared, "assess_third_party"),
        _ia10(**{"ia10-q_teamwork": None, "ia10-supervisor_name": ""}),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("This field is required.") == 2 and "PT Celebes Data Prima" in body
    assert not ThirdPartyVerification.objects.exists()


def test_the_assessor_may_frame_a_pdf_inline_but_no_other_site(en, prepared):
    from django.core.files.base import ContentFile

    evidence = factories.linked_evidence(prepared)
    evidence.file.save("laporan.pdf", ContentFile(factories.PDF_BYTES), save=True)
    en.force_login(prepared.assessor)
    response = en.get(reverse("assessments:evidence_file", args=[evidence.pk]) + "?inline=1")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"

"""Privacy pages: masked NIK and phone, the access log written by record pages and downloads, the
admin's access log, and the erasure request from both sides."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import ArchivedDocument, Assessment, ErasureRequest, RecordAccess
from assessments.services import mask_nik, mask_phone
from assessments.templatetags.privacy import nik_for, phone_for
from tests import factories
from tests.security.test_permission_matrix import iter_patterns

pytestmark = pytest.mark.django_db

S = Assessment.State
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _logged(**filters) -> list[tuple]:
    return list(
        RecordAccess.objects.filter(**filters).values_list("accessed_by", "candidate", "what")
    )


# --- masking and the access log on record pages ------------------------------------------------


def test_the_admin_verification_page_shows_nik_and_phone_in_full_and_is_logged(
    client, candidate, admin_user
):
    assessment = factories.assessment_in_state(S.SUBMITTED, candidate=candidate)
    profile = candidate.candidate_profile
    client.force_login(admin_user)

    response = client.get(reverse("assessments:verification", args=[assessment.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert profile.nik in html and profile.phone in html
    assert _logged(assessment=assessment) == [(admin_user.pk, candidate.pk, "record")]


def test_the_decision_page_masks_the_nik_for_a_decision_maker_and_is_logged(
    client, candidate, decision_maker
):
    assessment = factories.full_record(factories.reported_with_units(units=2, candidate=candidate))
    nik = candidate.candidate_profile.nik
    client.force_login(decision_maker)

    response = client.get(reverse("decision_detail", args=[assessment.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert mask_nik(nik) in html
    assert nik not in html
    assert _logged(assessment=assessment) == [(decision_maker.pk, candidate.pk, "record")]


def test_the_assessors_record_page_is_logged(client, candidate, assessor):
    assessment = factories.assessor_assessment(
        S.IN_PROGRESS, candidate=candidate, assessor=assessor
    )
    client.force_login(assessor)

    assert (
        client.get(reverse("assessments:assess_prepare", args=[assessment.pk])).status_code == 200
    )
    assert (
        client.get(reverse("assessments:assess_evidence", args=[assessment.pk])).status_code == 200
    )

    assert _logged(assessment=assessment) == [(assessor.pk, candidate.pk, "record")] * 2


def test_a_certificate_page_opened_by_staff_is_logged_but_not_the_holders_own(client, admin_user):
    certificate = factories.issued_certificate()
    assessment = certificate.decision.assessment
    url = reverse("certificate_detail", args=[certificate.pk])

    client.force_login(assessment.candidate)
    assert client.get(url).status_code == 200
    assert _logged(assessment=assessment) == []

    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    assert _logged(assessment=assessment) == [(admin_user.pk, assessment.candidate_id, "record")]


def test_an_appeal_page_is_logged(client, admin_user):
    from certification.services_appeals import appeal_file

    assessment = factories.decided_with_decision(certified=False, units=2).assessment
    appeal = appeal_file(
        assessment_id=assessment.pk,
        actor=assessment.candidate,
        reason="Unit 2 dinilai BK padahal bukti lengkap.",
        process_explained=True,
        discussed_with_assessor=True,
        involved_other_person=False,
    )
    client.force_login(admin_user)

    assert client.get(reverse("appeal_detail", args=[appeal.pk])).status_code == 200

    assert _logged(assessment=assessment) == [(admin_user.pk, assessment.candidate_id, "record")]


def test_an_evidence_download_by_someone_else_is_logged_but_not_the_candidates_own(
    client, candidate, admin_user
):
    assessment = factories.assessment_in_state(S.SUBMITTED, candidate=candidate)
    evidence = factories.EvidenceFactory(assessment=assessment)
    evidence.file.save("laporan.pdf", ContentFile(PDF))
    url = reverse("assessments:evidence_file", args=[evidence.pk])

    client.force_login(candidate)
    assert client.get(url).status_code == 200
    assert not RecordAccess.objects.exists()

    client.force_login(admin_user)
    assert client.get(url).status_code == 200
    assert _logged() == [(admin_user.pk, candidate.pk, "evidence")]


def test_an_archived_pdf_of_an_assessment_downloaded_by_its_assessor_is_logged(
    client, candidate, assessor
):
    assessment = factories.assessor_assessment(
        S.IN_PROGRESS, candidate=candidate, assessor=assessor
    )
    archived = ArchivedDocument(
        document="ak01",
        subject_type=ContentType.objects.get_for_model(Assessment),
        subject_id=assessment.pk,
        version=1,
        sha256="0" * 64,
        size=8,
        generated_by=candidate,
    )
    archived.file.save("ak01.pdf", ContentFile(b"%PDF-1.4"), save=False)
    archived.save()
    client.force_login(assessor)

    response = client.get(reverse("assessments:archive_download", args=[archived.pk]))

    assert response.status_code == 200
    assert _logged(assessment=assessment) == [(assessor.pk, candidate.pk, "document")]


def test_a_refused_download_is_not_logged(client, candidate, other_candidate):
    assessment = factories.assessment_in_state(S.SUBMITTED, candidate=candidate)
    document = factories.ApplicationDocumentFactory(assessment=assessment)
    client.force_login(other_candidate)

    response = client.get(reverse("assessments:document_file", args=[document.pk]))

    assert response.status_code == 404
    assert not RecordAccess.objects.exists()


def test_the_template_filters_apply_the_one_rule(candidate):
    profile = candidate.candidate_profile
    assert nik_for(profile, candidate) == profile.nik
    assert phone_for(profile, candidate) == profile.phone
    other = factories.CandidateProfileFactory().user
    assert nik_for(profile, other) == mask_nik(profile.nik)
    assert phone_for(profile, other) == mask_phone(profile.phone)
    assert nik_for(None, other) == ""


def test_no_url_pattern_carries_a_nik():
    routes = [route.lower() for route, _name, _pattern in iter_patterns()]
    assert routes
    assert not [route for route in routes if "nik" in route]


def test_the_profile_form_posts_the_nik_never_in_a_query_string(client, candidate):
    client.force_login(candidate)
    html = client.get(reverse("assessments:profile")).content.decode()
    assert 'method="post"' in html
    assert 'method="get"' not in html


# --- the admin's access log ----------------------------------------------------------------------


def test_the_access_log_lists_and_filters_openings(
    client, admin_user, candidate, other_candidate, assessor, django_assert_max_num_queries
):
    now = timezone.now()
    factories.RecordAccessFactory(accessed_by=assessor, candidate=candidate, accessed_at=now)
    factories.RecordAccessFactory(
        accessed_by=admin_user,
        candidate=other_candidate,
        accessed_at=now - datetime.timedelta(days=10),
    )
    client.force_login(admin_user)
    url = reverse("assessments:privacy_access_log")

    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert "Alice Asesi" in html and "Bob Asesi" in html

    html = client.get(url, {"who": assessor.email}).content.decode()
    assert "Alice Asesi" in html and "Bob Asesi" not in html

    html = client.get(url, {"candidate": "bob"}).content.decode()
    assert "Bob Asesi" in html and "Alice Asesi" not in html

    today = timezone.localdate()
    html = client.get(url, {"start": today.isoformat(), "end": today.isoformat()}).content.decode()
    assert "Alice Asesi" in html and "Bob Asesi" not in html


def test_the_access_log_makes_the_same_number_of_queries_for_many_rows(
    client, admin_user, django_assert_max_num_queries
):
    factories.RecordAccessFactory.create_batch(30)
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("assessments:privacy_access_log")).status_code == 200


@pytest.mark.parametrize("persona", ["candidate", "assessor", "decision_maker"])
def test_only_lsp_admins_read_the_access_log(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("assessments:privacy_access_log")).status_code == 403
    assert client.get(reverse("assessments:privacy_erasure_requests")).status_code == 403


# --- erasure requests ----------------------------------------------------------------------------


def test_the_profile_page_links_to_the_erasure_request(client, candidate):
    client.force_login(candidate)
    html = client.get(reverse("assessments:profile")).content.decode()
    assert reverse("assessments:privacy_erasure") in html


def test_a_candidate_asks_for_erasure_after_confirming(client, candidate):
    client.force_login(candidate)
    url = reverse("assessments:privacy_erasure")
    assert "What is kept, and why" in client.get(url).content.decode()

    response = client.post(url, {"reason": "Tidak perlu lagi"})
    assert response.status_code == 200
    assert not ErasureRequest.objects.exists()

    response = client.post(url, {"reason": "Tidak perlu lagi", "confirm": "on"})
    assert response.status_code == 302
    erasure = ErasureRequest.objects.get()
    assert (erasure.candidate, erasure.reason) == (candidate, "Tidak perlu lagi")

    html = client.get(url).content.decode()
    assert "waiting for the LSP" in html
    client.post(url, {"confirm": "on"})
    assert ErasureRequest.objects.count() == 1


def test_an_admin_carries_out_an_erasure_from_its_page(
    client, candidate, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    erasure = factories.ErasureRequestFactory(candidate=candidate)
    client.force_login(admin_user)
    url = reverse("assessments:privacy_erasure_detail", args=[erasure.pk])
    assert "Carry out the erasure" in client.get(url).content.decode()
    list_html = client.get(reverse("assessments:privacy_erasure_requests")).content.decode()
    assert url in list_html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.DONE
    candidate.refresh_from_db()
    assert not candidate.is_active
    assert "Removed:" in client.get(url).content.decode()
    assert mailoutbox[0].to == ["alice@example.test"]


def test_an_erasure_refused_by_the_service_shows_why_and_changes_nothing(
    client, candidate, admin_user
):
    factories.assessment_in_state(S.SUBMITTED, candidate=candidate)
    erasure = factories.ErasureRequestFactory(candidate=candidate)
    client.force_login(admin_user)
    url = reverse("assessments:privacy_erasure_detail", args=[erasure.pk])

    response = client.post(url, follow=True)

    assert "application in progress" in response.content.decode()
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.PENDING
    candidate.refresh_from_db()
    assert candidate.is_active


def test_the_erasure_page_answers_get_and_post_only(client, candidate):
    client.force_login(candidate)
    assert client.put(reverse("assessments:privacy_erasure")).status_code == 405

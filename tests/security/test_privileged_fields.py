"""Forms ignore posted privileged fields. Each form below is posted with valid data plus fields an
attacker would add (state, status, assessor, candidate, owner, user, the role flags...), pointing
at another user; the form must be accepted and nothing privileged may change."""

import pytest
from django.urls import reverse

from assessments.models import (
    Assessment,
    CandidateFeedback,
    ConsentTerms,
    Evidence,
    Signature,
)
from certification.models import LSP, Appeal, Complaint, User
from schemes.models import Element
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

S = Assessment.State
ROLE_FLAGS = (
    "is_staff",
    "is_superuser",
    "is_active",
    "is_candidate",
    "is_assessor",
    "is_lsp_admin",
    "is_decision_maker",
    "is_lsp_head",
)
ASSESSMENT_FIELDS = (
    "state",
    "candidate_id",
    "assessor_id",
    "event_id",
    "scheme_version_id",
    "payment_confirmed_at",
)


def privileged(attacker_target: User) -> dict:
    """Fields no form of ours may take from a POST."""
    pk = attacker_target.pk
    return {
        "state": "decided",
        "status": "upheld",
        "decision": "certified",
        "outcome": "K",
        "assessor": pk,
        "assessor_id": pk,
        "candidate": pk,
        "candidate_id": pk,
        "owner": pk,
        "user": pk,
        "user_id": pk,
        "filed_by": pk,
        "uploaded_by": pk,
        "signer": pk,
        "checked_by": pk,
        "assigned_to": pk,
        "handler": pk,
        "is_staff": "on",
        "is_superuser": "on",
        "is_lsp_admin": "on",
        "is_decision_maker": "on",
        "is_lsp_head": "on",
        "is_assessor": "on",
        "email_verified_at": "2020-01-01",
        "payment_confirmed_at": "2020-01-01",
        "scheme_version": 999999,
        "event": 999999,
    }


def flags(user: User) -> dict:
    user.refresh_from_db()
    return {name: getattr(user, name) for name in ROLE_FLAGS}


def record(assessment: Assessment) -> dict:
    assessment.refresh_from_db()
    return {name: getattr(assessment, name) for name in ASSESSMENT_FIELDS}


def accepted(response) -> None:
    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_profile_form(client, other_candidate):
    user = factories.UserFactory()
    before = flags(user)
    client.force_login(user)
    data = {
        "nik": "3171 0123 4567 8911",
        "birth_place": "Makassar",
        "birth_date": "1996-08-17",
        "sex": "P",
        "nationality": "Indonesia",
        "address": "Jl. Somba Opu 10",
        "postal_code": "90111",
        "phone": "0813 4444 5555",
        "education": "d3",
    }
    accepted(client.post(reverse("assessments:profile"), {**data, **privileged(other_candidate)}))
    after = flags(user)
    # Filling the profile makes a user a candidate, nothing more.
    assert after == {**before, "is_candidate": True}
    assert user.candidate_profile.user_id == user.pk
    assert flags(other_candidate)["is_lsp_admin"] is False


def test_the_registration_form(client, admin_user, django_capture_on_commit_callbacks):
    data = {
        "full_name": "Rina Wulandari",
        "email": "rina.priv@example.test",
        "password1": "Tanjung-Priok-2025!",
        "password2": "Tanjung-Priok-2025!",
        "consent": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        accepted(client.post(reverse("register"), {**data, **privileged(admin_user)}))
    user = User.objects.get(email="rina.priv@example.test")
    # Registering makes a candidate account, nothing more.
    granted = {name for name in ROLE_FLAGS if getattr(user, name)}
    assert granted <= {"is_active", "is_candidate"}, granted
    assert user.email_verified_at is None


@pytest.fixture
def draft(candidate, assessor):
    return factories.AssessmentFactory(candidate=candidate)


def test_the_document_upload_form(client, candidate, other_candidate, draft):
    before = record(draft)
    client.force_login(candidate)
    data = {"kind": "ktp", "file": factories.pdf_file("ktp.pdf"), **privileged(other_candidate)}
    accepted(client.post(reverse("assessments:documents", args=[draft.pk]), data))
    document = draft.documents.get()
    assert document.uploaded_by_id == candidate.pk and document.assessment_id == draft.pk
    assert record(draft) == before
    assert flags(candidate)["is_lsp_admin"] is False


def test_the_evidence_upload_form(client, candidate, other_candidate, draft):
    before = record(draft)
    client.force_login(candidate)
    data = {
        "title": "Laporan",
        "description": "Proyek",
        "file": factories.pdf_file(),
        **privileged(other_candidate),
    }
    accepted(client.post(reverse("assessments:evidence", args=[draft.pk]), data))
    evidence = Evidence.objects.get(assessment=draft)
    assert evidence.uploaded_by_id == candidate.pk
    assert evidence.reviewed_at is None
    assert record(draft) == before


def test_the_apl02_answer_form(client, candidate, other_candidate, draft):
    element = Element.objects.filter(
        unit__scheme_units__group__version_id=draft.scheme_version_id
    ).first()
    before = record(draft)
    client.force_login(candidate)
    prefix = f"e{element.pk}"
    data = {f"{prefix}-answer": "K", **privileged(other_candidate)}
    accepted(client.post(reverse("assessments:apl02_answer", args=[draft.pk, element.pk]), data))
    answer = draft.self_assessments.get(element=element)
    assert answer.assessment_id == draft.pk
    assert record(draft) == before


def test_the_consent_form(client, other_candidate):
    assessment = factories.assessment_in_state(S.SCHEDULED)
    before = record(assessment)
    client.force_login(assessment.candidate)
    data = {
        "typed_name": assessment.candidate.full_name,
        "agreed": "on",
        **privileged(other_candidate),
    }
    accepted(client.post(reverse("assessments:consent", args=[assessment.pk]), data))
    assert ConsentTerms.objects.get(assessment=assessment)
    signers = set(
        Signature.objects.filter(subject_id=assessment.pk, document="ak01").values_list(
            "signer_id", flat=True
        )
    )
    assert signers == {assessment.candidate_id}
    assert record(assessment) == before


def test_the_feedback_form(client, other_candidate):
    from assessments.models import AK03_ITEMS

    assessment = factories.assessment_in_state(S.RECOMMENDED)
    before = record(assessment)
    client.force_login(assessment.candidate)
    data = {f"answer_{i}": "yes" for i in range(len(AK03_ITEMS))}
    data.update({f"comment_{i}": "" for i in range(len(AK03_ITEMS))})
    data["notes"] = ""
    accepted(
        client.post(
            reverse("assessments:feedback", args=[assessment.pk]),
            {**data, **privileged(other_candidate)},
        )
    )
    assert CandidateFeedback.objects.get(assessment=assessment)
    assert record(assessment) == before


def test_the_appeal_form(client, other_candidate):
    decided = factories.assessment_in_state(S.DECIDED)
    before = record(decided)
    client.force_login(decided.candidate)
    data = {
        "process_explained": "yes",
        "discussed_with_assessor": "no",
        "involved_other_person": "no",
        "reason": "Bukti saya lengkap.",
        **privileged(other_candidate),
    }
    accepted(client.post(reverse("appeal_new", args=[decided.pk]), data))
    appeal = Appeal.objects.get(assessment=decided)
    assert appeal.filed_by_id == decided.candidate_id
    assert appeal.status == Appeal.Status.FILED
    assert record(decided) == before


def test_the_public_complaint_form(client, admin_user):
    data = {
        "name": "Budi Warga",
        "email": "budi.priv@example.test",
        "about": "lsp",
        "text": "Pelayanan lambat.",
        "certificate_number": "",
        **privileged(admin_user),
    }
    accepted(client.post(reverse("complaint_new"), data))
    complaint = Complaint.objects.get(email="budi.priv@example.test")
    assert complaint.status == Complaint.Status.RECEIVED
    assert complaint.filed_by_id is None


def test_the_lsp_record_form(client, admin_user, candidate):
    before = flags(admin_user)
    client.force_login(admin_user)
    data = {
        "name": "LSP Uji Coba",
        "short_code": "LSP-UC",
        "licence_number": "BNSP-LSP-0001-ID",
        "address": "Jl. Sudirman 1",
        "city": "Bandung",
        **privileged(candidate),
    }
    accepted(client.post(reverse("lsp_edit"), data))
    assert LSP.load().name == "LSP Uji Coba"
    assert flags(admin_user) == before
    assert flags(candidate)["is_lsp_admin"] is False


def test_the_verification_document_checks(client, admin_user, other_candidate):
    assessment = factories.make_submitted_application()
    before = record(assessment)
    client.force_login(admin_user)
    data = {}
    for document in assessment.documents.filter(replaced_at__isnull=True):
        data[f"present_{document.pk}"] = "1"
        data[f"meets_{document.pk}"] = "1"
    response = client.post(
        reverse("assessments:verification_documents", args=[assessment.pk]),
        {**data, **privileged(other_candidate)},
    )
    accepted(response)
    assert record(assessment) == before
    assert set(
        assessment.documents.exclude(checked_by=None).values_list("checked_by", flat=True)
    ) == {admin_user.pk}


def test_signing_in_cannot_set_flags(client, other_candidate):
    user = factories.UserFactory(email="signin.priv@example.test")
    before = flags(user)
    data = {"username": user.email, "password": PASSWORD, **privileged(other_candidate)}
    accepted(client.post(reverse("login"), data))
    assert flags(user) == before


# --- added by badinput (issue 8): the APL.01 application and an assessor's form ------------------


def test_the_apl01_application_form(client, candidate, other_candidate, assessor, scheme_version):
    client.force_login(candidate)
    data = {
        "scheme": scheme_version.pk,
        "purpose": Assessment.Purpose.CERTIFICATION,
        "purpose_other": "",
        **privileged(other_candidate),
        "assessor": assessor.pk,
        "event": "",  # the form's own field: choosing a schedule is the candidate's to do
    }
    accepted(client.post(reverse("assessments:apply"), data))
    assessment = Assessment.objects.get(candidate=candidate)
    # A new application is the candidate's own draft, without assessor, event or payment.
    assert assessment.state == S.DRAFT
    assert assessment.scheme_version_id == scheme_version.pk
    assert assessment.assessor_id is None and assessment.event_id is None
    assert assessment.payment_confirmed_at is None
    assert not Assessment.objects.filter(candidate=other_candidate).exists()


def test_the_assessor_apl02_review_form(client, assessor, other_assessor, other_candidate):
    assessment = factories.assessor_assessment(S.SCHEDULED, assessor=assessor)
    before = record(assessment)
    client.force_login(assessor)
    # "decision" is this form's own field (proceed / return), so it is sent with its real value.
    data = {**privileged(other_candidate), "decision": "proceed", "note": "Lengkap."}
    data["assessor"] = data["assessor_id"] = other_assessor.pk
    accepted(client.post(reverse("assessments:assess_prepare_apl02", args=[assessment.pk]), data))
    # Reviewing moves nothing the form does not own: same candidate, assessor, event, scheme.
    after = record(assessment)
    assert {k: v for k, v in after.items() if k != "state"} == {
        k: v for k, v in before.items() if k != "state"
    }
    assert after["state"] != "decided"
    granted = flags(assessor)
    assert granted["is_lsp_admin"] is False and granted["is_staff"] is False

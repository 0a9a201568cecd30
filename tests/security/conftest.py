"""A shared "world" for the security tests: one record of each kind, owned by the candidate
(Alice) and her assigned assessor (Charlie), so that the other personas always ask for someone
else's objects."""

from dataclasses import dataclass, field

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile

from assessments.models import (
    ArchivedDocument,
    Assessment,
    BankQuestion,
    Notification,
    RenderBatch,
    RenderRequest,
)
from certification.services_appeals import appeal_file, complaint_file
from schemes.models import Element
from tests import factories


@dataclass
class World:
    assessment: Assessment  # in progress: candidate + assessor
    decided: Assessment  # decided, with a certificate
    ids: dict[str, object] = field(default_factory=dict)


@pytest.fixture
def world(candidate, assessor, decision_maker, admin_user):
    assessment = factories.assessor_assessment(
        Assessment.State.IN_PROGRESS, candidate=candidate, assessor=assessor
    )
    certificate = factories.issued_certificate(
        admin=admin_user, candidate=candidate, assessor=assessor, decision_maker=decision_maker
    )
    decision = certificate.decision
    decided = decision.assessment
    document = factories.ApplicationDocumentFactory(
        assessment=assessment, kind="ktp", file=factories.pdf_file("ktp.pdf")
    )
    evidence = factories.EvidenceFactory(assessment=assessment, file=factories.pdf_file())
    evidence_request = factories.EvidenceRequestFactory(assessment=assessment)
    element = Element.objects.filter(
        unit__scheme_units__group__version_id=assessment.scheme_version_id
    ).first()
    criterion = element.criteria.first()
    notification = Notification.objects.filter(recipient=candidate).first() or (
        Notification.objects.create(recipient=candidate, title="Halo")
    )
    appeal = appeal_file(
        assessment_id=decided.pk,
        actor=candidate,
        reason="Saya keberatan.",
        process_explained=True,
        discussed_with_assessor=True,
        involved_other_person=False,
    )
    complaint = complaint_file(
        name="Publik", email="publik@example.test", about="lsp", text="Pelayanan lambat."
    )
    head = factories.UserFactory(is_lsp_head=True)
    from certification.services_certification import decision_letter_create

    letter = decision_letter_create(
        actor=decision_maker, decision_ids=[decision.pk], signatory_id=head.pk
    )
    content_type = ContentType.objects.get_for_model(Assessment)
    render = RenderRequest.objects.create(
        document="ak01",
        subject_type=content_type,
        subject_id=assessment.pk,
        requested_by=candidate,
        status=RenderRequest.Status.READY,
    )
    archived = ArchivedDocument(
        document="ak01",
        subject_type=content_type,
        subject_id=assessment.pk,
        version=1,
        sha256="0" * 64,
        size=8,
        generated_by=candidate,
        request=render,
    )
    archived.file.save("ak01.pdf", ContentFile(b"%PDF-1.4"), save=False)
    archived.save()
    batch = RenderBatch.objects.create(
        event=assessment.event, document="ak01", requested_by=admin_user, total=1
    )
    bank = BankQuestion.objects.create(
        scheme_id=assessment.scheme_version.scheme_id, instrument="ia07", text="Jelaskan SOP."
    )
    unit_id = factories.scheme_units(assessment)[0].pk
    return World(
        assessment=assessment,
        decided=decided,
        ids={
            "assessment": assessment.pk,
            "decided": decided.pk,
            "event": assessment.event_id,
            "document": document.pk,
            "evidence": evidence.pk,
            "evidence_request": evidence_request.pk,
            "element": element.pk,
            "criterion": criterion.pk,
            "unit": unit_id,
            "notification": notification.pk,
            "decision": decision.pk,
            "certificate": certificate.pk,
            "certificate_token": certificate.token,
            "appeal": appeal.pk,
            "complaint": complaint.pk,
            "letter": letter.pk,
            "render": render.request_id,
            "archived": archived.pk,
            "batch": batch.pk,
            "scheme_version": assessment.scheme_version_id,
            "scheme": assessment.scheme_version.scheme_id,
            "bank": bank.pk,
            "assessor_profile": assessor.assessor_profile.pk,
            "tuk": assessment.event.tuk_id,
            "erasure": factories.ErasureRequestFactory(candidate=candidate).pk,
        },
    )

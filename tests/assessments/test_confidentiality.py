"""An assessor who declared a conflict with a candidate sees nothing of that candidate: not the
record pages and not the files (DOMAIN.md section 5, impartiality and confidentiality)."""

import pytest
from django.urls import reverse

from assessments.models import Assessment, ImpartialityDeclaration
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflicted():
    assessment = factories.assessor_may_act(
        factories.assessment_in_state(Assessment.State.SCHEDULED), declare=False
    )
    ImpartialityDeclaration.objects.create(
        event_id=assessment.event_id,
        assessor_id=assessment.assessor_id,
        assessment=assessment,
        relationship=ImpartialityDeclaration.Relationship.FAMILY,
        note="Sepupu",
    )
    return assessment


def test_a_conflicted_assessor_cannot_download_the_candidates_evidence(client, conflicted):
    evidence = factories.EvidenceFactory(assessment=conflicted)
    client.force_login(conflicted.assessor)
    url = reverse("assessments:evidence_file", args=[evidence.pk])
    assert client.get(url).status_code == 404


def test_a_conflicted_assessor_cannot_open_the_preparation_page(client, conflicted):
    client.force_login(conflicted.assessor)
    url = reverse("assessments:assess_prepare", args=[conflicted.pk])
    assert client.get(url).status_code == 404


def test_the_same_assessor_without_a_conflict_may_download(client):
    assessment = factories.assessor_may_act(
        factories.assessment_in_state(Assessment.State.SCHEDULED)
    )
    evidence = factories.EvidenceFactory(assessment=assessment)
    evidence.file.save("laporan.pdf", factories.pdf_file(), save=True)
    client.force_login(assessment.assessor)
    url = reverse("assessments:evidence_file", args=[evidence.pk])
    assert client.get(url).status_code == 200

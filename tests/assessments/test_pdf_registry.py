"""The registry lets a higher layer add documents without assessments importing it: a document
registered for the event subject (as certification will do for the SK) is generated, archived
and downloaded through the same pages, under the event's own access rule."""

import pytest
from django.urls import reverse

from assessments.models import ArchivedDocument
from assessments.pdf import registry
from assessments.pdf.header import lsp_header
from tests import factories

pytestmark = pytest.mark.django_db


def build_event_sheet(event) -> dict:
    return {
        "lsp": lsp_header(),
        "form": {"code": "SK-TEST", "title": "Lembar Uji Acara"},
        "header": {
            "scheme_title": event.scheme_version.title,
            "candidate_name": "-",
            "date": event.starts_at,
        },
        "signatures": [],
        "time_zone": event.tuk.time_zone,
    }


@pytest.fixture
def event_sheet():
    spec = registry.register_document(
        registry.DocumentSpec(
            key="test_event_sheet",
            subject="event",
            template="pdf/base.html",
            builder=build_event_sheet,
            code="SK-TEST",
            title="Lembar Uji Acara",
        )
    )
    yield spec
    registry._documents.pop(spec.key, None)


def test_a_document_registered_later_is_generated_and_downloaded(
    client,
    admin_user,
    assessor,
    other_assessor,
    event_sheet,
    django_capture_on_commit_callbacks,
):
    event, _ = factories.event_with_candidates(assessor=assessor, states=["scheduled"])
    url = reverse("assessments:document_request", args=[event_sheet.key, "event", event.pk])
    client.force_login(other_assessor)  # not assigned to this event
    assert client.post(url).status_code == 404
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    archive = ArchivedDocument.objects.get(document=event_sheet.key)
    download = reverse("assessments:archive_download", args=[archive.pk])
    client.force_login(assessor)  # assigned: may read the event's documents
    response = client.get(download)
    assert response.status_code == 200
    assert 'filename="SK-TEST_event-' in response["Content-Disposition"]
    client.force_login(other_assessor)
    assert client.get(download).status_code == 404


def test_a_key_is_registered_once_and_fits_the_archive_column(event_sheet):
    import dataclasses

    with pytest.raises(registry.RegistryError):
        registry.register_document(dataclasses.replace(event_sheet, template="pdf/other.html"))
    assert registry.register_document(event_sheet) is event_sheet  # the same spec again is fine
    with pytest.raises(registry.RegistryError):
        registry.register_document(dataclasses.replace(event_sheet, key="x" * 33))


def test_the_built_in_documents_are_registered_for_assessments():
    keys = {key for key, spec in registry.documents().items() if spec.subject == "assessment"}
    assert {"apl01", "apl02", "mapa01", "ak01", "ia01", "ak02", "ak03"} <= keys
    with pytest.raises(registry.RegistryError):
        registry.get_document("sk-does-not-exist")

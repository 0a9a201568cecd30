"""verify_archive re-hashes every archived file: a file changed on disk, deleted, or a version
whose recorded previous hash no longer matches is reported, with a non-zero exit; LSP admins
see the same check in the browser."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assessments.models import ArchivedDocument, Assessment, RenderRequest
from assessments.tasks_pdf import render_document
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived():
    """Two versions of FR.AK.01 of one assessment, rendered for real."""
    assessment = factories.assessment_in_state(Assessment.State.SCHEDULED)
    versions = []
    for _ in range(2):
        request = RenderRequest.objects.create(
            document="ak01",
            subject_type=ContentType.objects.get_for_model(Assessment),
            subject_id=assessment.pk,
            requested_by=assessment.candidate,
        )
        render_document.apply(args=[str(request.request_id)])
        versions.append(ArchivedDocument.objects.get(request=request))
    return versions


def _verify() -> tuple[str, str, bool]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_archive", stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        return out.getvalue(), err.getvalue(), False
    return out.getvalue(), err.getvalue(), True


def test_an_untouched_archive_passes(archived):
    out, err, ok = _verify()
    assert ok and "2 archived document(s) checked: all unchanged." in out and err == ""


def test_a_file_changed_on_disk_is_detected(archived):
    first = archived[0]
    path = first.file.path
    with open(path, "r+b") as handle:  # one byte flipped: same size, other content
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    out, err, ok = _verify()
    assert not ok
    assert f"CHANGED: ak01 subject {first.subject_type_id}-{first.subject_id} v1" in err
    assert "1 problem(s) in 2 archived document(s)." in err


def test_a_deleted_file_is_detected(archived):
    second = archived[1]
    second.file.storage.delete(second.file.name)
    _out, err, ok = _verify()
    assert not ok and "MISSING: ak01" in err and " v2 " in err


def test_a_rewritten_chain_is_detected(archived):
    # Someone with database access swaps in another hash for v1 (bypassing the model guard):
    # the file no longer matches it, and v2 no longer follows v1.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assessments_archiveddocument SET sha256 = %s WHERE id = %s",
            ["c" * 64, archived[0].pk],
        )
    _out, err, ok = _verify()
    assert not ok and "CHANGED: ak01" in err and "CHAIN: ak01" in err


def test_lsp_admins_see_the_same_check(client, admin_user, archived):
    archived[1].file.storage.delete(archived[1].file.name)
    client.force_login(admin_user)
    response = client.get(reverse("assessments:archive_check"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert 'data-archive-ok="0"' in body and 'data-problem="missing"' in body


def test_the_archive_check_page_is_for_lsp_admins_only(client, candidate, assessor, decision_maker):
    url = reverse("assessments:archive_check")
    assert client.get(url).status_code == 302  # to the login page
    for user in (candidate, assessor, decision_maker):
        client.force_login(user)
        assert client.get(url).status_code == 403

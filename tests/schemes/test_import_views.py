"""The scheme pages: import upload with preview and confirmation, list, version detail, publish."""

import html
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schemes.models import SchemeVersion, Unit
from schemes.services import scheme_version_publish
from schemes.views import PENDING_KEY
from tests import factories
from tests.schemes.test_import import (
    EMPTY,
    FIXTURES,
    SCHEME_JSON,
    UNITS_CSV,
    changed_doc,
    counts,
    csv_rows,
    draft_with_one_unit,
    xlsx_bytes,
)

IMPORT_URL = reverse("schemes:import")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    client.cookies["django_language"] = "en"
    return client


def upload(path_or_name, data: bytes | None = None) -> SimpleUploadedFile:
    if data is None:
        return SimpleUploadedFile(path_or_name.name, path_or_name.read_bytes())
    return SimpleUploadedFile(path_or_name, data)


def preview(client, file: SimpleUploadedFile, **extra):
    return client.post(IMPORT_URL, {"file": file, **extra})


def confirm(client, token: str | None = None):
    if token is None:
        token = client.session[PENDING_KEY]["digest"]
    return client.post(IMPORT_URL, {"confirm": "1", "token": token})


# Access -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["schemes:import", "schemes:list"])
def test_anonymous_user_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_import_page_is_forbidden_to_a_non_admin(client, assessor, method):
    client.force_login(assessor)

    response = getattr(client, method)(
        IMPORT_URL, {"file": upload(SCHEME_JSON)} if method == "post" else None
    )

    assert response.status_code == 403
    assert counts() == EMPTY


@pytest.mark.django_db
def test_admin_sees_the_upload_form(admin_client):
    response = admin_client.get(IMPORT_URL)

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b'enctype="multipart/form-data"' in response.content


# Preview and confirm ----------------------------------------------------------------------


@pytest.mark.django_db
def test_preview_lists_the_changes_and_writes_nothing(admin_client):
    response = preview(admin_client, upload(SCHEME_JSON))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Create unit J.620100.004.02 revision 1 (elements: 2, KUK: 4)." in page
    assert "Create scheme SKM/DEMO/JWP/2026 with version 1 (draft)" in page
    assert 'name="confirm"' in page
    assert counts() == EMPTY
    pending = admin_client.session[PENDING_KEY]
    assert default_storage.exists(pending["path"])


@pytest.mark.django_db
def test_confirm_applies_the_previewed_import(admin_client, admin_user):
    preview(admin_client, upload(SCHEME_JSON))
    path = admin_client.session[PENDING_KEY]["path"]

    response = confirm(admin_client)

    version = SchemeVersion.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("schemes:detail", args=[version.pk])
    assert version.history.get().history_user == admin_user
    assert Unit.objects.count() == 2
    assert PENDING_KEY not in admin_client.session
    assert not default_storage.exists(path)


@pytest.mark.django_db
def test_bad_file_lists_every_error_with_row_and_field(admin_client):
    response = preview(admin_client, upload(FIXTURES / "missing-columns.csv"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "missing-columns.csv has 2 problems. Nothing was imported." in page
    assert "row 1, element_title" in page
    assert "row 1, criterion_text" in page
    assert PENDING_KEY not in admin_client.session
    assert counts() == EMPTY


@pytest.mark.django_db
def test_unknown_unit_error_from_planning_is_shown(admin_client):
    response = preview(admin_client, upload(FIXTURES / "unknown-unit-in-group.json"))

    assert "groups[0].units[1]" in response.content.decode()
    assert counts() == EMPTY


@pytest.mark.django_db
def test_unchanged_file_previews_as_nothing_to_do(admin_client):
    preview(admin_client, upload(SCHEME_JSON))
    confirm(admin_client)

    response = preview(admin_client, upload(SCHEME_JSON))

    page = response.content.decode()
    assert "there is nothing to do" in page
    assert 'name="confirm"' not in page


@pytest.mark.django_db
def test_confirm_with_a_token_of_another_preview_applies_nothing(admin_client):
    preview(admin_client, upload(SCHEME_JSON))

    response = confirm(admin_client, token="0" * 64)

    assert response.status_code == 302 and response.url == IMPORT_URL
    assert counts() == EMPTY


@pytest.mark.django_db
def test_confirm_without_a_preview_applies_nothing(admin_client):
    response = confirm(admin_client, token="")

    assert response.status_code == 302
    assert counts() == EMPTY


@pytest.mark.django_db
def test_confirm_after_the_data_changed_shows_the_new_plan_instead(admin_client, tmp_path):
    preview(admin_client, upload(SCHEME_JSON))
    confirm(admin_client)
    changed = json.dumps(changed_doc()).encode()
    preview(admin_client, upload("scheme.json", changed))
    scheme_version_publish(version_id=SchemeVersion.objects.get().pk, actor=None)
    before = counts()

    response = confirm(admin_client)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-stale"' in page
    assert "Create version 2 (draft)" in page
    assert counts() == before

    response = confirm(admin_client)

    assert response.status_code == 302
    assert SchemeVersion.objects.filter(version=2, status="draft").exists()


@pytest.mark.django_db
def test_a_file_larger_than_the_limit_is_refused(admin_client, settings):
    settings.KOMPETEN_UPLOAD_MAX_BYTES = 100

    response = preview(admin_client, upload(SCHEME_JSON))

    assert "at most 100" in response.content.decode()
    assert PENDING_KEY not in admin_client.session


@pytest.mark.django_db
def test_xlsx_units_go_into_the_chosen_draft_version(admin_client):
    draft = draft_with_one_unit()
    form_html = admin_client.get(IMPORT_URL).content.decode()
    assert f'<option value="{draft.pk}">{draft.scheme.number} v1' in form_html

    response = preview(
        admin_client,
        upload("units.xlsx", xlsx_bytes(csv_rows())),
        target_version=draft.pk,
        group_title="Pemrograman",
    )
    assert 'Add group "Pemrograman" (units: 2)' in html.unescape(response.content.decode())
    response = confirm(admin_client)

    assert response.url == reverse("schemes:detail", args=[draft.pk])
    assert [g.title for g in draft.groups.order_by("position")] == [
        "Kelompok Pekerjaan 1",
        "Pemrograman",
    ]


@pytest.mark.django_db
def test_published_versions_are_not_offered_as_targets(admin_client, scheme_version):
    response = admin_client.post(
        IMPORT_URL, {"file": upload(UNITS_CSV), "target_version": scheme_version.pk}
    )

    assert "Select a valid choice" in response.content.decode()
    assert Unit.objects.count() == scheme_version.units().count()


# List, detail, publish --------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_every_version_to_an_admin(admin_client, scheme_version):
    draft = factories.make_scheme_version(publish=False, title="Skema draf")

    page = admin_client.get(reverse("schemes:list")).content.decode()

    assert scheme_version.title in page and draft.title in page


@pytest.mark.django_db
def test_list_shows_only_published_versions_to_others(client, candidate, scheme_version):
    draft = factories.make_scheme_version(publish=False, title="Skema draf")
    client.force_login(candidate)

    page = client.get(reverse("schemes:list")).content.decode()

    assert scheme_version.title in page and draft.title not in page
    assert client.get(reverse("schemes:detail", args=[draft.pk])).status_code == 404


@pytest.mark.django_db
def test_detail_shows_groups_units_elements_and_kuk(admin_client):
    preview(admin_client, upload(SCHEME_JSON))
    confirm(admin_client)
    version = SchemeVersion.objects.get()

    page = admin_client.get(reverse("schemes:detail", args=[version.pk])).content.decode()

    assert "Kelompok Pekerjaan 1: Pemrograman" in page
    assert "J.620100.005.02" in page and "Mengimplementasikan User Interface" in page
    assert "Melakukan implementasi rancangan user interface" in page
    assert "Penerapan simulasi dijadikan suatu proses yang sesungguhnya." in page
    assert 'action="{}"'.format(reverse("schemes:publish", args=[version.pk])) in page


@pytest.mark.django_db
def test_detail_makes_the_same_number_of_queries_for_more_units(admin_client):
    small = factories.make_scheme_version(units=1, elements=1, criteria=1)
    large = factories.make_scheme_version(units=4, elements=3, criteria=3)
    admin_client.get(reverse("schemes:detail", args=[small.pk]))  # warm the LSP cache

    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("schemes:detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as many:
        admin_client.get(reverse("schemes:detail", args=[large.pk]))

    assert len(many) == len(few)


@pytest.mark.django_db
def test_admin_publishes_a_draft_from_the_detail_page(admin_client, admin_user):
    draft = factories.make_scheme_version(publish=False)

    response = admin_client.post(reverse("schemes:publish", args=[draft.pk]))

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.status == SchemeVersion.Status.PUBLISHED
    assert draft.history.latest().history_user == admin_user
    assert all(unit.is_frozen for unit in draft.units())


@pytest.mark.django_db
def test_publishing_a_draft_without_units_shows_the_error(admin_client):
    draft = factories.SchemeVersionFactory()

    response = admin_client.post(reverse("schemes:publish", args=[draft.pk]), follow=True)

    draft.refresh_from_db()
    assert draft.status == SchemeVersion.Status.DRAFT
    assert "needs at least one unit" in response.content.decode()


@pytest.mark.django_db
def test_publish_is_forbidden_to_a_non_admin_and_needs_post(client, assessor, admin_client):
    draft = factories.make_scheme_version(publish=False)
    url = reverse("schemes:publish", args=[draft.pk])

    assert admin_client.get(url).status_code == 405
    client.force_login(assessor)
    assert client.post(url).status_code == 403
    draft.refresh_from_db()
    assert draft.status == SchemeVersion.Status.DRAFT


@pytest.mark.django_db
def test_admin_starts_a_new_draft_of_a_published_version(admin_client, scheme_version):
    response = admin_client.post(reverse("schemes:new_draft", args=[scheme_version.pk]))

    draft = SchemeVersion.objects.get(version=2)
    assert response.url == reverse("schemes:detail", args=[draft.pk])
    assert list(draft.units()) == list(scheme_version.units())

"""Console pages on schemes: a draft version's requirements and the diff between versions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from schemes.models import FrozenError, SchemeVersion
from schemes.services import scheme_version_new_draft, scheme_version_update
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def draft():
    return factories.make_scheme_version(publish=False)


def test_service_updates_a_draft_with_a_history_reason(draft, admin_user):
    scheme_version_update(
        version_id=draft.pk,
        actor=admin_user,
        requirements="SMK TI\nSertifikat pelatihan",
        required_documents=["ktp", "ijazah", "ktp"],
        fee=Decimal(750000),
        validity_years=5,
    )
    draft.refresh_from_db()
    assert draft.requirement_list == ["SMK TI", "Sertifikat pelatihan"]
    assert draft.required_documents == ["ijazah", "ktp"]
    assert (draft.fee, draft.validity_years) == (750000, 5)
    latest = draft.history.latest()
    assert latest.history_change_reason == "requirements edited"
    assert latest.history_user == admin_user


def test_service_refuses_a_published_version(admin_user):
    published = factories.make_scheme_version()
    with pytest.raises(FrozenError):
        scheme_version_update(version_id=published.pk, actor=admin_user, requirements="x")
    published.refresh_from_db()
    assert published.requirements == ""


def test_service_refuses_an_invalid_validity(draft, admin_user):
    with pytest.raises(ValidationError):
        scheme_version_update(version_id=draft.pk, actor=admin_user, validity_years=20)


def test_service_refuses_other_fields(draft, admin_user):
    with pytest.raises(TypeError):
        scheme_version_update(version_id=draft.pk, actor=admin_user, status="published")


def test_page_saves_the_requirements_of_a_draft(client, admin_user, draft):
    client.force_login(admin_user)
    url = reverse("console_requirements", args=[draft.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "requirements": "Lulusan SMK",
            "required_documents": ["ktp", "photo"],
            "fee": "500000",
            "validity_years": "3",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.requirements == "Lulusan SMK"
    assert draft.required_documents == ["ktp", "photo"]


def test_page_refuses_a_published_version_and_changes_nothing(client, admin_user):
    published = factories.make_scheme_version(requirements="Lama")
    client.force_login(admin_user)
    url = reverse("console_requirements", args=[published.pk])
    assert "cannot change" in client.get(url).content.decode()
    response = client.post(
        url, {"requirements": "Baru", "fee": "0", "validity_years": "3"}, follow=True
    )
    assert "cannot change" in response.content.decode()
    published.refresh_from_db()
    assert published.requirements == "Lama"


def test_diff_page_shows_added_removed_and_changed_lines(client, admin_user):
    v1 = factories.make_scheme_version(requirements="Lama")
    v2 = scheme_version_new_draft(scheme_id=v1.scheme_id, actor=None)
    SchemeVersion.objects.filter(pk=v2.pk).update(requirements="Baru")
    client.force_login(admin_user)
    response = client.get(
        reverse("console_diff", args=[v1.scheme_id]), {"old": v1.pk, "new": v2.pk}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "diff-changed" in content
    assert "Lama" in content and "Baru" in content


def test_diff_page_defaults_to_the_two_newest_versions(client, admin_user):
    v1 = factories.make_scheme_version()
    scheme_version_new_draft(scheme_id=v1.scheme_id, actor=None)
    client.force_login(admin_user)
    response = client.get(reverse("console_diff", args=[v1.scheme_id]))
    assert "The two versions have the same content." in response.content.decode()


def test_diff_page_refuses_a_version_of_another_scheme(client, admin_user):
    v1 = factories.make_scheme_version()
    other = factories.make_scheme_version()
    client.force_login(admin_user)
    response = client.get(
        reverse("console_diff", args=[v1.scheme_id]), {"old": v1.pk, "new": other.pk}
    )
    assert response.context["diff"] is None


def test_scheme_pages_are_403_for_other_roles(client, candidate, assessor, decision_maker, draft):
    for user in (candidate, assessor, decision_maker):
        client.force_login(user)
        assert client.get(reverse("console_requirements", args=[draft.pk])).status_code == 403
        assert (
            client.post(
                reverse("console_requirements", args=[draft.pk]),
                {"requirements": "x", "fee": "0", "validity_years": "3"},
            ).status_code
            == 403
        )
        assert client.get(reverse("console_diff", args=[draft.scheme_id])).status_code == 403

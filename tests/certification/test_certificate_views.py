"""Certificate pages: the register (staff), issuing, BNSP numbers, state decisions, and the
holder's own certificates."""

import pytest
from django.urls import reverse

from certification.models import Certificate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def certificate():
    return factories.issued_certificate()


@pytest.mark.parametrize("persona", ["candidate", "assessor"])
def test_the_register_is_for_the_lsp_staff(client, request, persona, certificate):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("certificate_list")).status_code == 403
    decision = factories.decided_with_decision()
    assert client.post(reverse("certificate_issue", args=[decision.pk])).status_code == 403
    response = client.post(
        reverse("certificate_state", args=[certificate.pk]),
        {"action": "suspend", "reason": "x"},
    )
    assert response.status_code == 403
    assert client.post(reverse("certificate_bnsp", args=[certificate.pk])).status_code == 403


def test_the_register_lists_and_filters_certificates(client, admin_user, certificate):
    other = factories.issued_certificate()
    client.force_login(admin_user)

    response = client.get(reverse("certificate_list"), {"q": certificate.holder_name})

    assert response.status_code == 200
    assert [c.pk for c in response.context["page"]] == [certificate.pk]
    assert other.number not in response.content.decode()


def test_an_admin_issues_an_awaiting_certificate_from_the_register(client, admin_user):
    decision = factories.decided_with_decision()
    client.force_login(admin_user)
    page = client.get(reverse("certificate_list"))
    assert 'id="awaiting"' in page.content.decode()

    response = client.post(reverse("certificate_issue", args=[decision.pk]))

    certificate = Certificate.objects.get(decision=decision)
    assert response.url == reverse("certificate_detail", args=[certificate.pk])
    assert (
        client.post(reverse("certificate_issue", args=[decision.pk]), follow=True).status_code
        == 200
    )
    assert Certificate.objects.count() == 1


def test_issuing_a_not_certified_decision_is_refused_with_a_message(client, admin_user):
    decision = factories.decided_with_decision(certified=False)
    client.force_login(admin_user)

    response = client.post(reverse("certificate_issue", args=[decision.pk]), follow=True)

    assert "A certificate is issued only from a decision to certify." in response.content.decode()
    assert not Certificate.objects.exists()


def test_the_holder_sees_their_certificate_and_nobody_elses(client, certificate):
    other = factories.issued_certificate()
    client.force_login(certificate.holder)

    mine = client.get(reverse("my_certificates"))
    page = client.get(reverse("certificate_detail", args=[certificate.pk]))

    assert certificate.number in mine.content.decode()
    assert other.number not in mine.content.decode()
    assert page.status_code == 200
    assert reverse("certificate_verify", args=[certificate.token]) in page.content.decode()
    assert 'id="status-changes"' not in page.content.decode()  # staff history
    assert client.get(reverse("certificate_detail", args=[other.pk])).status_code == 404


def test_a_decision_maker_suspends_with_a_reason_from_the_page(client, decision_maker, certificate):
    client.force_login(decision_maker)

    response = client.post(
        reverse("certificate_state", args=[certificate.pk]),
        {"action": "suspend", "reason": "Pengaduan #12 diperiksa"},
    )

    assert response.url == reverse("certificate_detail", args=[certificate.pk])
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.SUSPENDED
    assert certificate.status_changes.last().reason == "Pengaduan #12 diperiksa"


def test_a_state_change_without_a_reason_changes_nothing(client, decision_maker, certificate):
    client.force_login(decision_maker)

    response = client.post(
        reverse("certificate_state", args=[certificate.pk]),
        {"action": "withdraw", "reason": ""},
        follow=True,
    )

    assert "Give the reason for this decision." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE


def test_an_admin_records_bnsp_numbers_from_the_page(client, admin_user, certificate):
    client.force_login(admin_user)

    client.post(
        reverse("certificate_bnsp", args=[certificate.pk]),
        {"registration_number": "REG-2026-1", "blank_number": "B-77"},
    )

    certificate.refresh_from_db()
    assert (certificate.bnsp_registration_number, certificate.blank_number) == (
        "REG-2026-1",
        "B-77",
    )


def test_the_admin_sees_the_bnsp_form_but_not_the_state_form(client, admin_user, certificate):
    client.force_login(admin_user)
    context = client.get(reverse("certificate_detail", args=[certificate.pk])).context
    assert context["bnsp_form"] is not None
    assert context["state_form"] is None

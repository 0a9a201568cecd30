"""The per-scheme question bank (IA.03/07/09): list, add, edit, deactivate."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from assessments.models import BankQuestion
from certification.services_batch import bank_question_save, bank_question_set_active
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


@pytest.fixture
def question(scheme_version):
    return BankQuestion.objects.create(
        scheme=scheme_version.scheme,
        instrument="ia07",
        text="Apa itu SOP?",
        expected_answer="Prosedur standar",
    )


def test_the_list_shows_the_scheme_questions_only(client, admin_user, question):
    other = BankQuestion.objects.create(
        scheme=factories.SchemeFactory(), instrument="ia03", text="Pertanyaan skema lain"
    )
    client.force_login(admin_user)
    response = client.get(reverse("console_bank", args=[question.scheme_id]))
    content = response.content.decode()
    assert question.text in content
    assert other.text not in content


def test_the_unit_choices_are_the_current_version_units(client, admin_user, scheme_version):
    client.force_login(admin_user)
    response = client.get(reverse("console_bank", args=[scheme_version.scheme_id]))
    choices = dict(response.context["form"].fields["unit_code"].choices)
    codes = {u.code for u in scheme_version.units()}
    assert codes <= set(choices)


def test_admin_adds_a_question(client, admin_user, scheme_version):
    unit = scheme_version.units().first()
    client.force_login(admin_user)
    response = client.post(
        reverse("console_bank", args=[scheme_version.scheme_id]),
        {
            "instrument": "ia09",
            "unit_code": unit.code,
            "text": "Ceritakan pengalaman Anda.",
            "expected_answer": "",
        },
    )
    assert response.status_code == 302
    question = BankQuestion.objects.get(scheme=scheme_version.scheme)
    assert (question.instrument, question.unit_code, question.active) == ("ia09", unit.code, True)


def test_a_unit_outside_the_scheme_is_refused(client, admin_user, scheme_version):
    client.force_login(admin_user)
    response = client.post(
        reverse("console_bank", args=[scheme_version.scheme_id]),
        {
            "instrument": "ia07",
            "unit_code": "X.000",
            "text": "Pertanyaan",
        },
    )
    assert response.status_code == 200
    assert "unit_code" in response.context["form"].errors
    assert not BankQuestion.objects.exists()


def test_an_instrument_outside_the_bank_is_refused(client, admin_user, scheme_version):
    client.force_login(admin_user)
    client.post(
        reverse("console_bank", args=[scheme_version.scheme_id]),
        {
            "instrument": "ia01",
            "unit_code": "",
            "text": "Pertanyaan",
        },
    )
    assert not BankQuestion.objects.exists()


def test_admin_edits_a_question(client, admin_user, question):
    client.force_login(admin_user)
    url = reverse("console_bank_edit", args=[question.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"instrument": "ia03", "unit_code": "", "text": "Baru?", "expected_answer": "Ya"}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.instrument, question.text, question.expected_answer) == ("ia03", "Baru?", "Ya")


def test_admin_deactivates_and_reactivates_a_question(client, admin_user, question):
    client.force_login(admin_user)
    url = reverse("console_bank_toggle", args=[question.pk])
    client.post(url, {"active": "0"})
    question.refresh_from_db()
    assert not question.active
    client.post(url, {"active": "1"})
    question.refresh_from_db()
    assert question.active


def test_toggle_needs_post(client, admin_user, question):
    client.force_login(admin_user)
    assert client.get(reverse("console_bank_toggle", args=[question.pk])).status_code == 405


def test_services_refuse_a_non_admin(assessor, question):
    with pytest.raises(PermissionDenied):
        bank_question_save(
            actor=assessor, scheme_id=question.scheme_id, instrument="ia07", unit_code="", text="x"
        )
    with pytest.raises(PermissionDenied):
        bank_question_set_active(actor=assessor, question_id=question.pk, active=False)


def test_bank_pages_are_403_for_other_roles(client, candidate, assessor, decision_maker, question):
    for user in (candidate, assessor, decision_maker):
        client.force_login(user)
        assert client.get(reverse("console_bank", args=[question.scheme_id])).status_code == 403
        assert client.get(reverse("console_bank_edit", args=[question.pk])).status_code == 403
        response = client.post(reverse("console_bank_toggle", args=[question.pk]), {"active": "0"})
        assert response.status_code == 403
    question.refresh_from_db()
    assert question.active

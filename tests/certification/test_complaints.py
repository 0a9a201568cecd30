"""Complaints: filed by anyone (rate-limited public form), assigned to a handler who was not
involved, answered by email, and able to lead to a suspension decision."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import Notification
from certification.models import Certificate, Complaint
from certification.services_appeals import complaint_answer, complaint_assign, complaint_file
from tests import factories

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Budi Warga",
    "email": "budi.warga@example.test",
    "about": "certified_person",
    "certificate_number": "",
    "text": "Pemegang sertifikat bekerja tidak sesuai standar.",
}


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def certificate():
    return factories.issued_certificate()


def _file(**kwargs) -> Complaint:
    data = FORM | kwargs
    return complaint_file(**data)


# --- the public form ----------------------------------------------------------------------------


def test_anyone_files_a_complaint_without_an_account(client, admin_user, certificate):
    response = client.post(
        reverse("complaint_new"), FORM | {"certificate_number": f" {certificate.number.lower()} "}
    )

    assert response.url == reverse("complaint_thanks")
    complaint = Complaint.objects.get()
    assert complaint.status == Complaint.Status.RECEIVED
    assert complaint.certificate == certificate  # matched without case or spaces
    assert complaint.filed_by is None
    assert complaint.history.get().history_change_reason == "complaint received"
    assert Notification.objects.filter(
        recipient=admin_user, url=reverse("complaint_detail", args=[complaint.pk])
    ).exists()


def test_a_signed_in_user_is_linked_to_their_complaint(client, candidate):
    client.force_login(candidate)
    page = client.get(reverse("complaint_new"))
    assert page.context["form"].initial["email"] == candidate.email

    client.post(reverse("complaint_new"), FORM)

    assert Complaint.objects.get().filed_by == candidate


def test_an_incomplete_complaint_shows_the_errors_and_keeps_the_text(client):
    response = client.post(reverse("complaint_new"), FORM | {"email": "bukan-email"})

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert FORM["text"] in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_public_form_is_rate_limited_per_address(client, settings):
    settings.KOMPETEN_COMPLAINT_RATE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("complaint_new"), FORM)

    response = client.post(reverse("complaint_new"), FORM)

    assert response.status_code == 429
    assert Complaint.objects.count() == 2


def test_a_filled_honeypot_is_dropped_quietly(client):
    response = client.post(reverse("complaint_new"), FORM | {"website": "http://spam.test"})
    assert response.url == reverse("complaint_thanks")
    assert not Complaint.objects.exists()


# --- handling -----------------------------------------------------------------------------------


def test_an_admin_assigns_a_handler_who_answers_by_email(admin_user):
    complaint = _file(about="lsp", text="Jadwal diundur tanpa pemberitahuan.")
    handler = factories.DecisionMakerUserFactory()

    complaint_assign(complaint_id=complaint.pk, actor=admin_user, handler_id=handler.pk)
    with pytest.raises(PermissionDenied):
        complaint_answer(complaint_id=complaint.pk, actor=admin_user, answer="Bukan handler")
    complaint_answer(complaint_id=complaint.pk, actor=handler, answer="Mohon maaf & terima kasih.")

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED
    assert (complaint.handler, complaint.answered_by) == (handler, handler)
    assert complaint.answer == "Mohon maaf & terima kasih."


def test_the_answer_is_mailed_to_the_complainant(admin_user, django_capture_on_commit_callbacks):
    complaint = _file()
    handler = factories.AdminUserFactory()
    complaint_assign(complaint_id=complaint.pk, actor=admin_user, handler_id=handler.pk)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        complaint_answer(
            complaint_id=complaint.pk, actor=handler, answer="Sudah kami tindak & catat."
        )

    message = mail.outbox[-1]
    assert message.to == [FORM["email"]]
    assert "Sudah kami tindak & catat." in message.body  # plain text, not HTML-escaped


def test_the_handler_of_a_complaint_about_a_certificate_was_not_involved(admin_user, certificate):
    complaint = _file(certificate_number=certificate.number)
    assessor = certificate.decision.assessment.assessor
    assessor.is_lsp_admin = True
    assessor.save()

    with pytest.raises(ValidationError) as info:
        complaint_assign(complaint_id=complaint.pk, actor=admin_user, handler_id=assessor.pk)

    assert info.value.code == "handler_involved"
    complaint.refresh_from_db()
    assert complaint.handler is None


def test_only_admins_assign_and_only_staff_handle(admin_user, decision_maker, candidate):
    complaint = _file()
    with pytest.raises(PermissionDenied):
        complaint_assign(complaint_id=complaint.pk, actor=decision_maker, handler_id=admin_user.pk)
    with pytest.raises(ValidationError):
        complaint_assign(complaint_id=complaint.pk, actor=admin_user, handler_id=candidate.pk)


def test_an_answer_needs_text(admin_user):
    complaint = _file()
    complaint_assign(complaint_id=complaint.pk, actor=admin_user, handler_id=admin_user.pk)
    with pytest.raises(ValidationError):
        complaint_answer(complaint_id=complaint.pk, actor=admin_user, answer="  ")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_HANDLING


# --- pages, and the suspension a complaint can lead to -------------------------------------------


@pytest.mark.parametrize("persona", ["candidate", "assessor"])
def test_handling_pages_are_for_lsp_staff(client, request, persona):
    complaint = _file()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("complaint_list")).status_code == 403
    assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 403


def test_a_handler_sees_only_their_complaints(client, admin_user, decision_maker):
    theirs = _file(text="Satu")
    other = _file(text="Dua")
    complaint_assign(complaint_id=theirs.pk, actor=admin_user, handler_id=decision_maker.pk)
    client.force_login(decision_maker)

    assert [c.pk for c in client.get(reverse("complaint_list")).context["page"]] == [theirs.pk]
    assert client.get(reverse("complaint_detail", args=[other.pk])).status_code == 404


def test_a_complaint_leads_to_a_suspension_decision(
    client, admin_user, decision_maker, certificate
):
    complaint = _file(certificate_number=certificate.number)
    complaint_assign(complaint_id=complaint.pk, actor=admin_user, handler_id=decision_maker.pk)
    client.force_login(decision_maker)
    page = client.get(reverse("complaint_detail", args=[complaint.pk]))
    assert page.context["suspend_form"] is not None

    client.post(
        reverse("complaint_suspend", args=[complaint.pk]),
        {"reason": "Pengaduan terbukti sebagian; diperiksa komite."},
    )

    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.SUSPENDED
    change = certificate.status_changes.last()
    assert change.complaint == complaint
    assert change.decided_by == decision_maker


def test_an_admin_cannot_suspend_from_a_complaint(client, admin_user, certificate):
    complaint = _file(certificate_number=certificate.number)
    client.force_login(admin_user)
    assert (
        client.get(reverse("complaint_detail", args=[complaint.pk])).context["suspend_form"] is None
    )

    client.post(reverse("complaint_suspend", args=[complaint.pk]), {"reason": "x"})

    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE


def test_the_verification_page_links_to_a_prefilled_complaint(client, certificate):
    page = client.get(reverse("certificate_verify", args=[certificate.token]))
    assert reverse("complaint_new") + "?certificate_number=" in page.content.decode()

    form = client.get(reverse("complaint_new"), {"certificate_number": certificate.number})

    assert form.context["form"].initial["certificate_number"] == certificate.number
    assert form.context["form"].initial["about"] == "certified_person"

"""Institution batch registration: reading CSV/XLSX, per-row errors, atomic apply, invitations."""

import csv
import io
from email import message_from_bytes
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Assessment, CandidateProfile
from certification.models import User
from certification.services_batch import (
    COLUMNS,
    BatchFileError,
    batch_check,
    batch_register,
    read_batch_file,
)
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def row(n: int, **overrides) -> dict[str, str]:
    data = {
        "full_name": f"Siswa {n}",
        "email": f"siswa{n}@sekolah.test",
        "nik": f"3171{n:012d}",
        "birth_place": "Bandung",
        "birth_date": "2004-03-01",
        "sex": "L",
        "address": "Jl. Asia Afrika 1",
        "phone": "081234567890",
        "education": "SMK",
        "institution": "SMK Negeri 1",
        "position": "Siswa",
    }
    data.update(overrides)
    return data


def csv_bytes(rows: list[dict[str, str]], *, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for r in rows:
        sheet.append([r[c] for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_by_line(preview) -> dict[int, list[str]]:
    return {r.line: r.errors for r in preview.rows if r.errors}


# --- reading -------------------------------------------------------------------------------------


def test_it_reads_csv_with_bom_and_semicolons():
    data = csv_bytes([row(1)]).decode("utf-8-sig").replace(",", ";").encode("utf-8-sig")
    rows = read_batch_file("kelas.csv", data)
    assert rows[0]["email"] == "siswa1@sekolah.test"
    assert rows[0]["nik"] == "3171000000000001"


def test_it_reads_xlsx_with_numeric_nik_and_date_cells():
    import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    values = row(1)
    values.update(nik=3171000000000001, birth_date=datetime.datetime(2004, 3, 1))
    sheet.append([values[c] for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    rows = read_batch_file("kelas.xlsx", out.getvalue())
    assert rows[0]["nik"] == "3171000000000001"
    assert rows[0]["birth_date"] == "2004-03-01"


def test_it_refuses_a_csv_that_is_not_utf8():
    data = csv_bytes([row(1, full_name="Ñoño Siswa")], encoding="cp1252")
    with pytest.raises(BatchFileError, match="UTF-8"):
        read_batch_file("kelas.csv", data)


def test_it_refuses_a_file_without_the_header():
    with pytest.raises(BatchFileError, match="nik"):
        read_batch_file("kelas.csv", b"full_name,email\nA,a@b.test\n")


# --- checking ------------------------------------------------------------------------------------


def test_it_reports_errors_per_row(event):
    rows = [
        row(1),
        row(2, nik="12345"),
        row(3, email="siswa1@sekolah.test"),
        row(4, nik="3171000000000001"),
        row(5, birth_date="31-02-2004"),
        row(6, address=""),
    ]
    preview = batch_check(event=event, rows=rows)
    errors = errors_by_line(preview)
    assert 2 not in errors  # line 2 is the first data row
    assert "NIK must be exactly 16 digits." in errors[3]
    assert any("Email also on line 2" in e for e in errors[4])
    assert any("NIK also on line 2" in e for e in errors[5])
    assert any("Invalid date of birth" in e for e in errors[6])
    assert "Missing address." in errors[7]


def test_it_accepts_both_date_formats(event):
    preview = batch_check(
        event=event, rows=[row(1, birth_date="01-03-2004"), row(2, birth_date="2004-03-01")]
    )
    assert preview.ok
    assert preview.rows[0].data["birth_date"] == preview.rows[1].data["birth_date"]


def test_it_flags_an_email_of_another_person_in_the_database(event, candidate):
    preview = batch_check(event=event, rows=[row(1, email=candidate.email)])
    assert any("another NIK" in e for e in preview.rows[0].errors)


def test_it_flags_a_nik_already_held_by_someone_else(event, candidate):
    nik = candidate.candidate_profile.nik
    preview = batch_check(event=event, rows=[row(1, nik=nik)])
    assert any("NIK belongs to another person" in e for e in preview.rows[0].errors)


def test_it_links_an_existing_candidate_with_the_same_email_and_nik(event, candidate):
    nik = candidate.candidate_profile.nik
    preview = batch_check(event=event, rows=[row(1, email=candidate.email, nik=nik)])
    assert preview.ok
    assert preview.rows[0].existing_user_id == candidate.pk


def test_it_links_an_account_stored_with_capitals_in_its_email(event, candidate):
    type(candidate).objects.filter(pk=candidate.pk).update(email=candidate.email.upper())
    nik = candidate.candidate_profile.nik
    preview = batch_check(event=event, rows=[row(1, email=candidate.email.lower(), nik=nik)])
    assert preview.ok
    assert preview.rows[0].existing_user_id == candidate.pk


def test_it_flags_rows_beyond_the_event_quota(event):
    factories.AssessmentFactory(scheme_version=event.scheme_version, event=event)
    preview = batch_check(event=event, rows=[row(n) for n in range(1, 7)])
    assert preview.places_left == 4
    errors = errors_by_line(preview)
    assert sorted(errors) == [6, 7]
    assert all("quota" in e for line in errors.values() for e in line)


# --- applying ------------------------------------------------------------------------------------


def test_it_registers_every_row_with_a_draft_in_the_event(event, admin_user):
    batch_register(event_id=event.pk, rows=[row(1), row(2)], actor=admin_user)
    users = User.objects.filter(email__in=["siswa1@sekolah.test", "siswa2@sekolah.test"])
    assert users.count() == 2
    for user in users:
        assert user.is_candidate
        assert not user.has_usable_password()
        assessment = Assessment.objects.get(candidate=user)
        assert assessment.state == Assessment.State.DRAFT
        assert assessment.event_id == event.pk
        assert assessment.history.earliest().history_user == admin_user
    assert CandidateProfile.objects.get(user__email="siswa1@sekolah.test").education == "sma"


def test_one_bad_row_writes_nothing(event, admin_user):
    users_before = User.objects.count()
    with pytest.raises(ValidationError, match="nothing was registered"):
        batch_register(event_id=event.pk, rows=[row(1), row(2, nik="bad")], actor=admin_user)
    assert User.objects.count() == users_before
    assert not CandidateProfile.objects.exists()
    assert not Assessment.objects.exists()


def test_a_quota_taken_since_the_preview_writes_nothing(event, admin_user):
    rows = [row(n) for n in range(1, 6)]
    assert batch_check(event=event, rows=rows).ok
    factories.AssessmentFactory(scheme_version=event.scheme_version, event=event)
    with pytest.raises(ValidationError):
        batch_register(event_id=event.pk, rows=rows, actor=admin_user)
    assert Assessment.objects.filter(event=event).count() == 1


def test_it_refuses_a_non_admin(event, candidate):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        batch_register(event_id=event.pk, rows=[row(1)], actor=candidate)


@pytest.fixture
def mail_folder(settings, tmp_path):
    """The project's .eml file backend in a folder of this test's own (pytest-django would
    otherwise swap in the locmem backend)."""
    settings.EMAIL_BACKEND = "certification.mail.FileAndConsoleBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.KOMPETEN_BASE_URL = "https://lsp.example.test"
    return tmp_path / "mail"


def _mails_to(address: str) -> list:
    found = []
    for path in Path(settings.EMAIL_FILE_PATH).glob("*.eml"):
        message = message_from_bytes(path.read_bytes())
        if address in message["To"]:
            found.append(message)
    return found


def test_new_accounts_get_an_invitation_with_a_set_password_link(
    event, admin_user, mail_folder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch_register(event_id=event.pk, rows=[row(41)], actor=admin_user)
    mails = _mails_to("siswa41@sekolah.test")
    assert len(mails) == 1
    body = mails[0].get_payload(decode=True).decode()
    assert "/password/reset/" in body
    # The link works: it opens Django's set-password form for that user.
    link = next(w for w in body.split() if "/password/reset/" in w)
    path = link[link.index("/password/reset/") :]
    from django.test import Client

    response = Client().get(path, follow=True)
    assert response.status_code == 200
    assert "new_password1" in response.content.decode()


def test_an_existing_candidate_is_notified_not_invited(
    event, admin_user, candidate, mail_folder, django_capture_on_commit_callbacks
):
    nik = candidate.candidate_profile.nik
    with django_capture_on_commit_callbacks(execute=True):
        batch_register(
            event_id=event.pk, rows=[row(1, email=candidate.email, nik=nik)], actor=admin_user
        )
    assert candidate.notifications.count() == 1
    assert Assessment.objects.get(candidate=candidate).event_id == event.pk
    assert not any("password/reset" in str(m) for m in _mails_to(candidate.email))


# --- pages ---------------------------------------------------------------------------------------


def test_the_page_is_403_for_other_roles(client, candidate, assessor, decision_maker):
    for user in (candidate, assessor, decision_maker):
        client.force_login(user)
        assert client.get(reverse("console_batch")).status_code == 403
        assert client.post(reverse("console_batch_apply")).status_code == 403


def test_the_page_documents_the_columns_and_offers_templates(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("console_batch"))
    content = response.content.decode()
    for column in COLUMNS:
        assert column in content
    xlsx = client.get(reverse("console_batch_template", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert client.get(reverse("console_batch_template", args=["csv"])).content.startswith(
        b"\xef\xbb\xbffull_name"
    )


def test_upload_previews_then_apply_registers(client, admin_user, event):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("kelas.xlsx", xlsx_bytes([row(1), row(2)]))
    response = client.post(reverse("console_batch"), {"event": event.pk, "file": upload})
    assert response.status_code == 200
    assert response.context["preview"].ok
    assert not Assessment.objects.exists()
    token = response.context["token"]
    response = client.post(reverse("console_batch_apply"), {"token": token}, follow=True)
    assert Assessment.objects.filter(event=event).count() == 2
    assert "2 candidates registered" in response.content.decode()


def test_upload_with_errors_shows_them_and_offers_no_apply(client, admin_user, event):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("kelas.csv", csv_bytes([row(1), row(2, sex="X")]))
    response = client.post(reverse("console_batch"), {"event": event.pk, "file": upload})
    content = response.content.decode()
    assert "Sex must be L or P." in content
    assert reverse("console_batch_apply") not in content


def test_apply_with_a_stale_token_writes_nothing(client, admin_user, event):
    client.force_login(admin_user)
    response = client.post(reverse("console_batch_apply"), {"token": "nope"}, follow=True)
    assert "expired" in response.content.decode()
    assert not Assessment.objects.exists()

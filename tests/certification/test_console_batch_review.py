"""Batch registration, review fixes: the preview keeps no NIK in plain text in the session
table, and an email or NIK taken by someone else between the check and the inserts becomes a
message on the page, with nothing written."""

import json

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from assessments.models import Assessment, CandidateProfile, Notification
from certification import services_batch
from certification.models import User
from tests import factories
from tests.certification.test_console_batch import csv_bytes, row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def _stored_sessions() -> list[str]:
    """The session rows as the database holds them (what a dump or backup contains)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        return [data for (data,) in cursor.fetchall()]


def _preview(client, event) -> str:
    upload = SimpleUploadedFile("kelas.csv", csv_bytes([row(1), row(2)]))
    response = client.post(reverse("console_batch"), {"event": event.pk, "file": upload})
    assert response.context["preview"].ok
    return response.context["token"]


def test_the_preview_keeps_no_plain_nik_in_the_session_table(client, admin_user, event):
    client.force_login(admin_user)
    _preview(client, event)
    stored = _stored_sessions()
    assert stored
    for data in stored:
        # The stored text is signed and usually compressed: decode it as Django does, so the
        # test reads what anyone holding SECRET_KEY and a dump could read.
        decoded = json.dumps(SessionStore().decode(data))
        for nik in (row(1)["nik"], row(2)["nik"]):
            assert nik not in data
            assert nik not in decoded
        assert row(1)["email"] not in decoded


def test_the_encrypted_preview_still_registers(client, admin_user, event):
    client.force_login(admin_user)
    token = _preview(client, event)
    response = client.post(reverse("console_batch_apply"), {"token": token}, follow=True)
    assert "2 candidates registered" in response.content.decode()
    profile = CandidateProfile.objects.get(user__email=row(1)["email"])
    assert profile.nik == row(1)["nik"]


def test_a_preview_no_current_key_opens_has_expired(client, admin_user, event, settings):
    from cryptography.fernet import Fernet

    client.force_login(admin_user)
    token = _preview(client, event)
    settings.KOMPETEN_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    response = client.post(reverse("console_batch_apply"), {"token": token}, follow=True)
    assert "This preview has expired" in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_preview_kept_in_plain_rows_by_an_older_release_has_expired(client, admin_user, event):
    from certification.views.console import BATCH_SESSION_KEY

    client.force_login(admin_user)
    session = client.session
    session[BATCH_SESSION_KEY] = {
        "token": "old",
        "event_id": event.pk,
        "rows": [row(1), row(2)],
        "name": "kelas.csv",
    }
    session.save()

    response = client.post(reverse("console_batch_apply"), {"token": "old"}, follow=True)

    assert response.status_code == 200
    assert "This preview has expired" in response.content.decode()
    assert not Assessment.objects.exists()


def _sign_up_meanwhile(monkeypatch, event, rows, **profile):
    """Someone signs up with row 1's email (or saves a profile, when given) after the apply
    step has checked the file and before its inserts (sign-up does not take the event lock):
    the apply step gets the check as it was before the sign-up."""
    before = services_batch.batch_check(event=event, rows=rows)
    assert before.ok
    if profile:
        factories.CandidateProfileFactory(**profile)
    else:
        factories.CandidateUserFactory(email=rows[0]["email"])
    monkeypatch.setattr(services_batch, "batch_check", lambda *, event, rows: before)


def test_an_email_taken_meanwhile_shows_a_message_and_writes_nothing(
    client, admin_user, event, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    token = _preview(client, event)
    users_before = User.objects.count()
    _sign_up_meanwhile(monkeypatch, event, [row(1), row(2)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("console_batch_apply"), {"token": token}, follow=True)
    assert response.status_code == 200
    assert "The data changed meanwhile; check the file again." in response.content.decode()
    # Only the concurrent sign-up's account exists: no batch account, profile or application.
    assert User.objects.count() == users_before + 1
    assert not User.objects.filter(email=row(2)["email"]).exists()
    assert not CandidateProfile.objects.exists()
    assert not Assessment.objects.exists()
    assert not Notification.objects.exists()
    assert not callbacks


def test_a_nik_taken_meanwhile_raises_a_conflict_and_writes_nothing(admin_user, event, monkeypatch):
    from django.core.exceptions import ValidationError

    _sign_up_meanwhile(
        monkeypatch, event, [row(1), row(2)], nik=row(2)["nik"], user__email="someone@else.test"
    )
    with pytest.raises(ValidationError) as caught:
        services_batch.batch_register(event_id=event.pk, rows=[row(1), row(2)], actor=admin_user)
    assert caught.value.code == "conflict"
    assert not User.objects.filter(email__endswith="@sekolah.test").exists()
    assert CandidateProfile.objects.count() == 1
    assert not Assessment.objects.exists()

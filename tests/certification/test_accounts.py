"""Sign-in, sign-out, password reset, candidate self-registration and email verification."""

import email
import re
import time
from email import policy
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse

from certification.models import User
from certification.tasks import send_verification_email
from certification.tokens import email_digest
from tests import factories

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "tenun-ikat-Flores-2026"


@pytest.fixture(autouse=True)
def english(client):
    # English is the msgid: assertions on page text hold whether or not the .mo is compiled.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def mailbox(settings, tmp_path):
    """Mail goes to .eml files (the project's file backend) in a folder of this test's own."""
    folder = tmp_path / "mail"
    settings.EMAIL_BACKEND = "certification.mail.FileAndConsoleBackend"
    settings.EMAIL_FILE_PATH = str(folder)
    settings.KOMPETEN_BASE_URL = "https://lsp.example.test"

    def messages() -> list[email.message.EmailMessage]:
        files = sorted(Path(folder).glob("*.eml")) if folder.exists() else []
        return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]

    return messages


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _link(message, prefix: str) -> str:
    """The path of the first link in the mail that starts with ``prefix`` (host removed)."""
    match = re.search(rf"https://lsp\.example\.test({re.escape(prefix)}\S+)", _body(message))
    assert match, _body(message)
    return match.group(1)


def _register(client, capture, **overrides):
    data = {
        "full_name": "Rina Wulandari",
        "email": "rina@example.test",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "consent": "on",
        **overrides,
    }
    with capture(execute=True):
        return client.post(reverse("register"), data)


# Registration


def test_registration_creates_unverified_candidate_signs_in_and_mails_a_link(
    client, mailbox, django_capture_on_commit_callbacks
):
    response = _register(client, django_capture_on_commit_callbacks, email="Rina@Example.TEST")

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(email="rina@example.test")
    assert user.is_candidate and user.is_active
    assert not (user.is_assessor or user.is_lsp_admin or user.is_decision_maker)
    assert user.email_verified_at is None
    assert user.check_password(STRONG_PASSWORD)
    assert user.language == "en"
    assert int(client.session["_auth_user_id"]) == user.pk

    [message] = mailbox()
    assert message["To"] == "rina@example.test"
    assert "Confirm your email address" in message["Subject"]
    home = client.get(reverse("home"))
    assert b"Please confirm your email address." in home.content


def test_verification_link_from_the_mail_confirms_the_address(
    client, mailbox, django_capture_on_commit_callbacks
):
    _register(client, django_capture_on_commit_callbacks)
    path = _link(mailbox()[0], "/verify/")

    response = client.get(path, follow=True)

    user = User.objects.get(email="rina@example.test")
    assert user.email_verified_at is not None
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"your email address is confirmed" in response.content
    assert b"Please confirm your email address." not in response.content


def test_verification_link_signed_out_confirms_and_sends_to_login(
    client, mailbox, django_capture_on_commit_callbacks
):
    _register(client, django_capture_on_commit_callbacks)
    client.post(reverse("logout"))
    path = _link(mailbox()[0], "/verify/")

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert User.objects.get(email="rina@example.test").email_verified_at is not None


def test_opening_the_verification_link_twice_keeps_the_first_time(
    client, mailbox, django_capture_on_commit_callbacks
):
    _register(client, django_capture_on_commit_callbacks)
    path = _link(mailbox()[0], "/verify/")
    client.get(path)
    first = User.objects.get(email="rina@example.test").email_verified_at

    assert client.get(path).status_code == 302
    assert User.objects.get(email="rina@example.test").email_verified_at == first


def test_registration_rejects_an_existing_email_whatever_its_case(
    client, candidate, mailbox, django_capture_on_commit_callbacks
):
    response = _register(client, django_capture_on_commit_callbacks, email="ALICE@Example.Test")

    assert response.status_code == 200
    assert b"An account with this email address already exists" in response.content
    assert User.objects.filter(email__iexact="alice@example.test").count() == 1
    assert mailbox() == []
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("12345678", b"This password is too common."),
        ("pendek", b"This password is too short."),
        ("rina@example", b"The password is too similar to the email address."),
    ],
)
def test_registration_rejects_a_weak_password(
    client, mailbox, django_capture_on_commit_callbacks, password, error
):
    response = _register(
        client, django_capture_on_commit_callbacks, password1=password, password2=password
    )

    assert response.status_code == 200
    assert error in response.content
    assert not User.objects.filter(email="rina@example.test").exists()
    assert mailbox() == []


def test_registration_needs_matching_passwords_and_consent(
    client, django_capture_on_commit_callbacks
):
    response = _register(
        client, django_capture_on_commit_callbacks, password2="something-else-2026", consent=""
    )

    assert response.status_code == 200
    assert b"The two passwords do not match." in response.content
    assert b"We can only register you with your consent." in response.content
    assert not User.objects.exists()


def test_signed_in_user_is_sent_home_from_the_registration_page(client, candidate):
    client.force_login(candidate)

    response = client.get(reverse("register"))

    assert response.status_code == 302
    assert response.url == reverse("home")


# Verification tokens


def _mail_token(mailbox, user, monkeypatch=None, age_days: int = 0) -> str:
    """Send the verification mail (optionally as if ``age_days`` ago) and return its token."""
    if monkeypatch and age_days:
        past = int(time.time()) - age_days * 24 * 3600
        monkeypatch.setattr(
            signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(past)
        )
    send_verification_email(user.pk)
    if monkeypatch:
        monkeypatch.undo()
    path = _link(mailbox()[-1], "/verify/")
    return path.removeprefix("/verify/").rstrip("/")


def test_expired_verification_link_explains_and_offers_a_new_one(client, mailbox, monkeypatch):
    user = factories.CandidateUserFactory(email_verified_at=None)
    days = settings.KOMPETEN_EMAIL_VERIFICATION_DAYS
    token = _mail_token(mailbox, user, monkeypatch, age_days=days + 1)

    response = client.get(reverse("verify_email", args=[token]))

    assert response.status_code == 400
    assert b"This verification link has expired." in response.content
    assert reverse("verify_email_resend").encode() in response.content
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_verification_link_still_works_on_its_last_valid_day(client, mailbox, monkeypatch):
    user = factories.CandidateUserFactory(email_verified_at=None)
    days = settings.KOMPETEN_EMAIL_VERIFICATION_DAYS
    token = _mail_token(mailbox, user, monkeypatch, age_days=days - 1)

    assert client.get(reverse("verify_email", args=[token])).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


@pytest.mark.parametrize("tamper", ["flip_char", "other_salt", "garbage"])
def test_tampered_verification_link_is_refused(client, mailbox, tamper):
    user = factories.CandidateUserFactory(email_verified_at=None)
    token = _mail_token(mailbox, user)
    if tamper == "flip_char":
        last = token[-1]
        token = token[:-1] + ("A" if last != "A" else "B")
    elif tamper == "other_salt":
        token = signing.TimestampSigner(salt="something-else").sign_object(
            {"u": user.pk, "e": email_digest(user.email)}
        )
    else:
        token = "not-a-token"

    response = client.get(reverse("verify_email", args=[token]))

    assert response.status_code == 400
    assert b"This verification link is not valid." in response.content
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_link_sent_to_an_old_address_does_not_verify_the_new_one(client, mailbox):
    user = factories.CandidateUserFactory(email="old@example.test", email_verified_at=None)
    token = _mail_token(mailbox, user)
    User.objects.filter(pk=user.pk).update(email="new@example.test")

    response = client.get(reverse("verify_email", args=[token]))

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_verification_task_sends_nothing_once_verified(mailbox):
    user = factories.CandidateUserFactory()  # verified by the factory

    send_verification_email(user.pk)
    send_verification_email(987654)  # gone: nothing to do, no error

    assert mailbox() == []


def test_verification_mail_is_in_the_users_language(mailbox):
    user = factories.CandidateUserFactory(email_verified_at=None, language="en")

    send_verification_email(user.pk)

    [message] = mailbox()
    assert "Open this link to confirm" in _body(message)
    assert "https://lsp.example.test/verify/" in _body(message)


def test_verification_link_does_not_carry_the_address(mailbox):
    user = factories.CandidateUserFactory(email="private@example.test", email_verified_at=None)

    token = _mail_token(mailbox, user)

    payload = signing.b64_decode(token.split(":")[0].encode()).decode()
    assert "private" not in payload
    assert str(user.pk) in payload


# Resending the link


def test_unverified_candidate_can_resend_the_link_once_a_minute(
    client, mailbox, django_capture_on_commit_callbacks
):
    user = factories.CandidateUserFactory(email_verified_at=None)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("verify_email_resend"), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(reverse("verify_email_resend"), follow=True)

    assert b"We sent a new link to" in first.content
    assert b"less than a minute ago" in second.content
    assert len(mailbox()) == 1


def test_resend_for_a_verified_user_sends_nothing(client, candidate, mailbox):
    client.force_login(candidate)

    response = client.post(reverse("verify_email_resend"), follow=True)

    assert b"already confirmed" in response.content
    assert mailbox() == []


def test_resend_by_email_answers_the_same_for_unknown_addresses(
    client, mailbox, django_capture_on_commit_callbacks
):
    factories.CandidateUserFactory(email="waiting@example.test", email_verified_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("verify_email_resend"), {"email": "Waiting@example.test"})
    unknown = client.post(reverse("verify_email_resend"), {"email": "nobody@example.test"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("login")
    [message] = mailbox()
    assert message["To"] == "waiting@example.test"


def test_resend_needs_post(client):
    assert client.get(reverse("verify_email_resend")).status_code == 405


# Sign-in and sign-out


def _login(client, email_address: str, password: str):
    return client.post(reverse("login"), {"username": email_address, "password": password})


def test_login_with_email_and_password_goes_home(client, candidate):
    response = _login(client, "Alice@Example.test", factories.PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == candidate.pk


def test_login_honours_a_safe_next_url(client, candidate):
    response = client.post(
        reverse("login") + "?next=/password/change/",
        {"username": candidate.email, "password": factories.PASSWORD, "next": "/password/change/"},
    )

    assert response.url == "/password/change/"


def test_login_with_a_wrong_password_shows_an_error(client, candidate):
    response = _login(client, candidate.email, "wrong-password")

    assert response.status_code == 200
    assert b"The email address or password is not correct." in response.content
    assert "_auth_user_id" not in client.session


def test_login_is_locked_after_the_failure_limit(client, candidate):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _login(client, candidate.email, "wrong-password").status_code == 200

    locked = _login(client, candidate.email, "wrong-password")
    still_locked = _login(client, candidate.email, factories.PASSWORD)

    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    assert b"Sign-in paused" in locked.content
    assert f"There were {limit} failed attempts".encode() in locked.content
    assert b"Try again in 30 minutes." in locked.content
    assert still_locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only_and_ends_the_session(client, candidate):
    client.force_login(candidate)

    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"), follow=True)

    assert response.redirect_chain[0][0] == reverse("login")
    assert b"You have signed out." in response.content
    assert "_auth_user_id" not in client.session


# Passwords


def test_password_reset_mails_a_link_that_works_once(client, candidate, mailbox):
    response = client.post(reverse("password_reset"), {"email": "alice@example.test"})
    assert response.url == reverse("password_reset_done")
    [message] = mailbox()
    assert message["To"] == "alice@example.test"
    path = _link(message, "/password/reset/")

    set_password_page = client.get(path, follow=True)
    assert set_password_page.context["validlink"] is True
    form_url = set_password_page.redirect_chain[-1][0]
    done = client.post(
        form_url, {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD}
    )

    assert done.url == reverse("password_reset_complete")
    candidate.refresh_from_db()
    assert candidate.check_password(STRONG_PASSWORD)
    again = client.get(path, follow=True)
    assert again.context["validlink"] is False
    assert b"This password reset link is not valid" in again.content


def test_password_reset_for_an_unknown_address_sends_nothing_but_looks_the_same(client, mailbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})

    assert response.url == reverse("password_reset_done")
    assert mailbox() == []


def test_password_change_needs_sign_in_and_changes_the_password(client, candidate):
    assert client.get(reverse("password_change")).status_code == 302
    client.force_login(candidate)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
    )

    assert response.url == reverse("password_change_done")
    candidate.refresh_from_db()
    assert candidate.check_password(STRONG_PASSWORD)

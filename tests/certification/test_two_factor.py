"""Two-factor authentication: setup with a real TOTP code, the code step after the password,
backup codes, throttling, turning it off, and the rule that admins, decision makers and staff
cannot use any page before their session passes it."""

from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from certification import otp
from tests import factories

pytestmark = pytest.mark.django_db

SETUP = reverse("two_factor_setup")
CODE_STEP = reverse("two_factor_login")


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor():
    """Overrides tests/conftest.py: here force_login is the password alone."""


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Before sign-in the page is in the LSP's language (Indonesian); the tests read the msgids.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def code(key: str, *, ahead: int = 0) -> str:
    """The app's code for a hex key; ``ahead`` time steps later (each code works once)."""
    return f"{totp(unhexlify(key), t0=-30 * ahead):06d}"


def wrong_code(key: str) -> str:
    """A six-digit code the app shows at none of the steps these tests use."""
    near = {code(key, ahead=n) for n in range(-2, 4)}
    return next(c for c in (f"{n:06d}" for n in range(100)) if c not in near)


def enable(user) -> tuple[TOTPDevice, list[str]]:
    key = otp.new_totp_key()
    codes = otp.two_factor_enable(user=user, key=key, code=code(key))
    return otp.totp_device(user), codes


def sign_in(client, user, **extra):
    return client.post(
        reverse("login"), {"username": user.email, "password": factories.PASSWORD, **extra}
    )


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# Setup


def test_setup_shows_a_qr_code_and_the_secret_and_a_real_code_turns_it_on(client, candidate):
    client.force_login(candidate)

    page = client.get(SETUP)
    key = client.session["two_factor_setup_key"]
    assert page.status_code == 200
    assert page.context["qr"].startswith("data:image/png;base64,")
    assert otp.totp_key_base32(key).encode() in page.content
    assert not TOTPDevice.objects.filter(user=candidate).exists()  # a GET writes nothing
    assert client.get(SETUP).context["secret"] == otp.totp_key_base32(key)  # same after reload

    response = client.post(SETUP, {"code": code(key)})

    assert response.status_code == 200
    assert "registration/two_factor/backup_codes.html" in [t.name for t in response.templates]
    device = TOTPDevice.objects.get(user=candidate)
    assert device.confirmed and device.key == key
    codes = response.context["codes"]
    assert len(codes) == otp.BACKUP_CODE_COUNT == 10 and len(set(codes)) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=candidate).values_list("token", flat=True)
    )
    for backup in codes:
        assert backup.encode() in response.content
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "two_factor_setup_key" not in client.session


def test_the_qr_code_carries_the_secret_and_the_lsp_name(candidate):
    key = otp.new_totp_key()

    url = otp.totp_config_url(user=candidate, key=key)

    secret = otp.totp_key_base32(key).replace(" ", "")
    assert url.startswith("otpauth://totp/LSP%20Kompeten%3Aalice%40example.test?")
    assert f"secret={secret}" in url and "issuer=LSP%20Kompeten" in url


def test_setup_refuses_a_wrong_code_with_a_message(client, candidate):
    client.force_login(candidate)
    client.get(SETUP)
    key = client.session["two_factor_setup_key"]
    response = client.post(SETUP, {"code": wrong_code(key)})

    assert response.status_code == 200
    assert b"That code is not correct." in response.content
    assert not TOTPDevice.objects.filter(user=candidate).exists()
    assert client.session["two_factor_setup_key"] == key


def test_setup_when_already_on_goes_to_the_overview(client, candidate):
    enable(candidate)
    client.force_login(candidate)

    response = client.get(SETUP)

    assert response.url == reverse("two_factor")


# The code step after the password


def test_sign_in_asks_for_the_code_before_the_session_is_signed_in(client, candidate):
    device, _ = enable(candidate)

    response = sign_in(client, candidate)

    assert response.url == CODE_STEP
    assert signed_in_user_id(client) is None
    assert client.get(reverse("home")).url.startswith(reverse("login"))
    assert b"6-digit code" in client.get(CODE_STEP).content

    wrong = client.post(CODE_STEP, {"code": wrong_code(device.key)})
    assert wrong.status_code == 200
    assert b"That code is not correct." in wrong.content
    assert signed_in_user_id(client) is None

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    done = client.post(CODE_STEP, {"code": code(device.key, ahead=1)})

    assert done.url == reverse("home")
    assert int(signed_in_user_id(client)) == candidate.pk
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("home")).status_code == 200


def test_sign_in_without_two_factor_is_one_step(client, candidate):
    response = sign_in(client, candidate)

    assert response.url == reverse("home")
    assert int(signed_in_user_id(client)) == candidate.pk


def test_the_code_step_keeps_a_safe_next_url(client, candidate):
    device, _ = enable(candidate)
    sign_in(client, candidate, next="/password/change/")

    response = client.post(CODE_STEP, {"code": code(device.key, ahead=1)})

    assert response.url == "/password/change/"


def test_the_code_step_without_a_password_first_goes_to_sign_in(client):
    assert client.get(CODE_STEP).url == reverse("login")


def test_the_code_step_times_out(client, candidate):
    device, _ = enable(candidate)
    sign_in(client, candidate)
    session = client.session
    session[otp.PENDING_SESSION_KEY]["at"] -= otp.PENDING_SECONDS + 1
    session.save()

    response = client.post(CODE_STEP, {"code": code(device.key, ahead=1)}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("login")
    assert b"the code step timed out" in response.content
    assert signed_in_user_id(client) is None


def test_a_wrong_password_still_counts_for_the_lockout(client, candidate, settings):
    enable(candidate)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": candidate.email, "password": "wrong"})

    assert sign_in(client, candidate).status_code == 429
    assert otp.PENDING_SESSION_KEY not in client.session


def test_a_backup_code_signs_in_once(client, candidate):
    _, codes = enable(candidate)
    sign_in(client, candidate)

    response = client.post(CODE_STEP, {"code": codes[0].upper()}, follow=True)

    assert int(signed_in_user_id(client)) == candidate.pk
    assert b"You signed in with a backup code" in response.content
    assert b"9 backup codes are left" in response.content
    client.post(reverse("logout"))
    sign_in(client, candidate)
    again = client.post(CODE_STEP, {"code": codes[0]})
    assert again.status_code == 200
    assert b"That code is not correct." in again.content
    assert signed_in_user_id(client) is None


def test_wrong_codes_are_throttled_even_before_the_right_one(client, candidate, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # the first failure blocks for a minute
    device, _ = enable(candidate)
    sign_in(client, candidate)
    client.post(CODE_STEP, {"code": wrong_code(device.key)})
    throttled = client.post(CODE_STEP, {"code": code(device.key, ahead=1)})

    assert b"Too many wrong codes. Wait" in throttled.content
    assert signed_in_user_id(client) is None
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


# Admins, decision makers and staff


@pytest.fixture
def lsp_head(db):
    return factories.UserFactory(is_lsp_head=True, full_name="Dr. Ketua LSP")


@pytest.mark.parametrize("persona", ["admin_user", "decision_maker", "lsp_head"])
def test_a_role_that_requires_it_is_sent_to_setup_from_every_page(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    pages = [
        reverse("home"),
        reverse("console_dashboard"),
        reverse("decision_queue"),
        reverse("assessments:verification_queue"),
        reverse("two_factor"),
        reverse("password_change"),
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url.startswith(SETUP + "?next="), page
    followed = client.get(reverse("home"), follow=True)
    assert (
        b"Your role (LSP admin, decision maker, LSP head or administrator) requires"
        in followed.content
    )
    assert followed.context["next"] == reverse("home")
    assert client.post(reverse("lsp_edit")).url == SETUP


def test_the_exempt_pages_stay_open_to_an_admin_without_two_factor(client, admin_user, settings):
    settings.REDIS_URL = ""  # /healthz checks Redis and a Celery worker only where one is set
    client.force_login(admin_user)

    for name in ("healthz", "certificate_search", "complaint_new", "password_reset"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(SETUP).status_code == 200
    assert client.post(reverse("logout")).url == reverse("login")


def test_the_django_admin_needs_two_factor_for_staff(client):
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.get(reverse("admin:index"))

    assert response.url.startswith(SETUP)


def test_htmx_requests_redirect_the_page_but_not_from_the_setup_page_itself(client, admin_user):
    client.force_login(admin_user)
    badge = reverse("assessments:notification_badge")

    elsewhere = client.get(badge, headers={"HX-Request": "true", "HX-Current-URL": "/"})
    on_setup = client.get(
        badge, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{SETUP}"}
    )

    assert elsewhere.status_code == 200 and elsewhere["HX-Redirect"] == SETUP
    assert on_setup.status_code == 204


def test_an_admin_who_sets_it_up_gets_back_to_the_page(client, admin_user):
    client.force_login(admin_user)
    target = reverse("console_dashboard")
    client.get(SETUP, {"next": target})
    key = client.session["two_factor_setup_key"]

    codes_page = client.post(SETUP, {"code": code(key), "next": target})

    assert codes_page.context["next"] == target
    assert client.get(target).status_code == 200


def test_setup_ignores_an_unsafe_next(client, admin_user):
    client.force_login(admin_user)
    client.get(SETUP)
    key = client.session["two_factor_setup_key"]

    codes_page = client.post(SETUP, {"code": code(key), "next": "//evil.example/"})

    assert codes_page.context["next"] == reverse("home")


def test_an_admin_with_an_authenticator_but_an_unverified_session_is_asked_for_the_code(
    client, admin_user
):
    device, _ = enable(admin_user)
    client.force_login(admin_user)
    target = reverse("console_dashboard")

    response = client.get(target)

    assert response.url == f"{CODE_STEP}?next={target.replace('/', '%2F')}"
    done = client.post(CODE_STEP, {"code": code(device.key, ahead=1), "next": target})
    assert done.url == target
    assert client.get(target).status_code == 200


def test_an_admin_signing_in_with_the_code_reaches_the_console(client, admin_user):
    device, _ = enable(admin_user)
    sign_in(client, admin_user)
    client.post(CODE_STEP, {"code": code(device.key, ahead=1)})

    assert client.get(reverse("console_dashboard")).status_code == 200


@pytest.mark.parametrize("role", ["is_lsp_admin", "is_decision_maker", "is_lsp_head"])
def test_every_role_that_decides_or_signs_must_use_it(role):
    from certification.otp import two_factor_required

    assert two_factor_required(factories.UserFactory(**{role: True}))
    assert not two_factor_required(factories.UserFactory(is_candidate=True))


def test_a_candidate_is_never_forced(client, candidate):
    client.force_login(candidate)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("two_factor")).status_code == 200


# Backup codes and turning it off


def test_new_backup_codes_replace_the_old_ones(client, candidate):
    device, old = enable(candidate)
    sign_in(client, candidate)
    client.post(CODE_STEP, {"code": code(device.key, ahead=1)})

    response = client.post(reverse("two_factor_backup_codes"))

    new = response.context["codes"]
    assert len(new) == 10
    stored = set(StaticToken.objects.filter(device__user=candidate).values_list("token", flat=True))
    assert stored == set(new) and not stored & set(old)


def test_changing_the_second_factor_needs_a_verified_session(client, candidate):
    enable(candidate)
    client.force_login(candidate)  # the password alone

    assert client.post(reverse("two_factor_backup_codes")).url.startswith(CODE_STEP)
    assert client.get(reverse("two_factor_disable")).url.startswith(CODE_STEP)


def test_turning_it_off_needs_the_password_and_a_code(client, candidate):
    device, _ = enable(candidate)
    sign_in(client, candidate)
    client.post(CODE_STEP, {"code": code(device.key, ahead=1)})
    url = reverse("two_factor_disable")

    bad_password = client.post(url, {"password": "wrong", "code": code(device.key, ahead=2)})
    assert b"The password is not correct." in bad_password.content
    bad_code = client.post(url, {"password": factories.PASSWORD, "code": "12345"})
    assert b"That code is not correct." in bad_code.content
    assert TOTPDevice.objects.filter(user=candidate).exists()

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    done = client.post(url, {"password": factories.PASSWORD, "code": code(device.key, ahead=2)})

    assert done.url == reverse("two_factor")
    assert not TOTPDevice.objects.filter(user=candidate).exists()
    assert not StaticDevice.objects.filter(user=candidate).exists()
    assert sign_in(client, candidate).url == reverse("home")  # one step again


def test_an_admin_who_turns_it_off_must_set_it_up_again(client, admin_user):
    device, _ = enable(admin_user)
    sign_in(client, admin_user)
    client.post(CODE_STEP, {"code": code(device.key, ahead=1)})

    response = client.post(
        reverse("two_factor_disable"),
        {"password": factories.PASSWORD, "code": code(device.key, ahead=2)},
        follow=True,
    )

    assert response.redirect_chain[-1][0].startswith(SETUP)


# The test personas


def test_force_login_elsewhere_gives_admins_a_verified_session(client, admin_user):
    # What tests/conftest.py's fixture does for every other test module.
    client.force_login(admin_user)
    device, _ = enable(admin_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    assert client.get(reverse("console_dashboard")).status_code == 200


# The owner is told


def test_the_owner_is_mailed_when_it_is_turned_on_and_off(
    candidate, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.KOMPETEN_BASE_URL = "https://lsp.example.test"
    candidate.language = "en"
    candidate.save(update_fields=["language"])
    key = otp.new_totp_key()

    with django_capture_on_commit_callbacks(execute=True):
        otp.two_factor_enable(user=candidate, key=key, code=code(key))

    assert len(mailoutbox) == 1
    on = mailoutbox[0]
    assert on.to == [candidate.email]
    assert "turned on" in on.subject
    assert "An authenticator app was set up" in on.body
    assert "change your password at once" in on.body
    assert "https://lsp.example.test" + reverse("two_factor") in on.body

    with django_capture_on_commit_callbacks(execute=True):
        otp.two_factor_disable(user=candidate)

    assert len(mailoutbox) == 2
    assert "turned off" in mailoutbox[1].subject
    assert "Two-factor sign-in was turned off" in mailoutbox[1].body


def test_a_wrong_code_at_setup_mails_nobody(
    candidate, mailoutbox, django_capture_on_commit_callbacks
):
    key = otp.new_totp_key()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(otp.TwoFactorError):
        otp.two_factor_enable(user=candidate, key=key, code="000000")
    assert mailoutbox == []

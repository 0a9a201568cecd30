"""Personas and the skip rules for tests that need the production stack.

Markers: ``postgres`` (DATABASE_URL is PostgreSQL), ``redis`` (REDIS_URL set), ``worker`` (both,
plus a Celery worker the test starts itself), ``browser`` (Debian's Chromium at /usr/bin/chromium).
Under plain ``make test`` (SQLite, no Redis) they are skipped with the reason printed by -ra.
"""

import os
import shutil

import pytest
from django.conf import settings

from tests import factories
from tests.browser.artifacts import list_screenshots  # its clock starts with this conftest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    reasons = {
        "postgres": None if _on_postgres() else "needs PostgreSQL: set DATABASE_URL=postgres://...",
        "redis": None if settings.REDIS_URL else "needs Redis: set REDIS_URL=redis://...",
        "worker": None
        if (_on_postgres() and settings.REDIS_URL)
        else "needs PostgreSQL and Redis to run a real Celery worker",
        "browser": None
        if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)
        else f"needs Chromium at {CHROMIUM} (apt-get install chromium)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service messages are gettext calls in the thread's active language, which a previous
    test's request may have left behind (LocaleMiddleware activates per request). Every test
    starts in English (the msgids); a request still gets the language the middleware picks."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import caches

    from assessments import selectors

    for alias in ("default", "fragments", "layout"):
        caches[alias].clear()
    selectors.forget_scheme_structures()
    yield


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch):
    """Admins, decision makers and staff must pass two-factor authentication before any page
    (certification/otp.py). ``client.force_login`` gives them what the code step would: a
    confirmed authenticator, verified in the session. tests/certification/test_two_factor.py
    overrides this fixture to test the real steps."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from certification import otp

    force_login = Client.force_login

    def force_login_with_second_factor(self, user, backend=None):
        force_login(self, user, backend)
        if otp.two_factor_required(user):
            device = otp.totp_device(user) or TOTPDevice.objects.create(
                user=user, name=otp.TOTP_DEVICE_NAME
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture
def candidate(db):
    return factories.CandidateProfileFactory(
        user__email="alice@example.test", user__full_name="Alice Asesi"
    ).user


@pytest.fixture
def other_candidate(db):
    return factories.CandidateProfileFactory(
        user__email="bob@example.test", user__full_name="Bob Asesi"
    ).user


@pytest.fixture
def assessor(db):
    return factories.AssessorProfileFactory(
        user__email="charlie@example.test", user__full_name="Charlie Asesor"
    ).user


@pytest.fixture
def other_assessor(db):
    return factories.AssessorProfileFactory(
        user__email="dina@example.test", user__full_name="Dina Asesor"
    ).user


@pytest.fixture
def admin_user(db):
    return factories.AdminUserFactory(email="admin@example.test", full_name="Admin LSP")


@pytest.fixture
def decision_maker(db):
    return factories.DecisionMakerUserFactory(
        email="komite@example.test", full_name="Komite Teknis"
    )


@pytest.fixture
def scheme_version(db):
    return factories.make_scheme_version()


def pytest_terminal_summary(terminalreporter):
    # The browser journeys' screenshots (tests/browser), listed for CI's log.
    list_screenshots(terminalreporter)

"""Bahasa Indonesia by default, English on request, and a complete Indonesian catalogue."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.fixture(scope="session", autouse=True)
def compiled_messages(django_db_blocker):
    """Compile the .po files when a .mo is missing or older (they are not in git), then drop
    Django's cached catalogues so that the current .mo is read."""
    stale = [
        po
        for po in LOCALE.glob("*/LC_MESSAGES/django.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        call_command("compilemessages", locale=["id", "en"], ignore_patterns=[".venv"], verbosity=0)
    # Always: an earlier test in this process may have cached the catalogue before the .mo
    # existed (compiled here, by `make`, or by a parallel run).
    trans_real._translations = {}
    trans_real._default = None
    translation.deactivate()


def test_default_language_is_indonesian(client, db):
    response = client.get(reverse("login"))

    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "Masuk" in html
    assert "Sign in to" not in html


def test_switching_to_english_renders_english_and_keeps_the_page(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})

    assert response.status_code == 302
    assert response.url == "/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign in to" in html


def test_switching_back_to_indonesian(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    client.post(reverse("set_language"), {"language": "id", "next": "/login/"})

    assert "Lupa kata sandi?" in client.get("/login/").content.decode()


def test_language_switch_refuses_a_foreign_next_url(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert "evil.example" not in response.url


def test_signed_in_pages_follow_the_chosen_language(client, candidate):
    candidate.language = "id"
    candidate.save(update_fields=["language"])
    client.force_login(candidate)

    assert "Sertifikasi saya" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "My certification" in client.get(reverse("home")).content.decode()


def test_every_indonesian_message_is_translated():
    po = LOCALE / "id" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check-format", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


@pytest.mark.django_db
def test_it_speaks_indonesian_even_to_a_browser_set_to_english(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "id"


@pytest.mark.django_db
def test_switching_language_remembers_it_on_the_user(client, candidate):
    client.force_login(candidate)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    candidate.refresh_from_db()
    assert candidate.language == "en"
    client.cookies.clear()
    client.force_login(candidate)
    assert client.get(reverse("home")).headers["Content-Language"] == "en"

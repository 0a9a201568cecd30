"""Response headers: the Content-Security-Policy on every page, same-origin framing only for the
evidence preview, ``Cache-Control: no-store`` on everything a signed-in user receives, and the
session cookie's flags. Templates carry no inline script, event handler or style attribute."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
# PDFs are rendered by WeasyPrint, never by a browser: the CSP does not apply to them.
BROWSER_TEMPLATES = [
    path
    for path in TEMPLATES_DIR.rglob("*.html")
    if "pdf" not in path.relative_to(TEMPLATES_DIR).parts[:1]
]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_pages_send_a_strict_content_security_policy(client, candidate):
    for url in (reverse("login"), reverse("certificate_search"), reverse("complaint_new")):
        policy = directives(client.get(url))
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["frame-src"] == ["'self'"]
    client.force_login(candidate)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_evidence_preview_may_be_framed_by_our_own_pages_only(client, candidate):
    evidence = factories.EvidenceFactory(assessment__candidate=candidate, file=factories.pdf_file())
    client.force_login(candidate)
    response = client.get(reverse("assessments:evidence_file", args=[evidence.pk]), {"inline": 1})
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert directives(response)["frame-ancestors"] == ["'self'"]
    assert directives(response)["script-src"] == ["'self'"]
    assert "no-store" in response["Cache-Control"]
    # Every other download stays unframeable.
    document = factories.ApplicationDocumentFactory(
        assessment=evidence.assessment, file=factories.pdf_file("ktp.pdf")
    )
    other = client.get(reverse("assessments:document_file", args=[document.pk]))
    assert other["X-Frame-Options"] == "DENY"
    assert directives(other)["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "name", ["home", "assessments:applications", "assessments:profile", "my_certificates"]
)
def test_signed_in_pages_are_never_stored(client, candidate, name):
    client.force_login(candidate)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_downloads_for_a_signed_in_user_are_never_stored(client, candidate):
    document = factories.ApplicationDocumentFactory(
        assessment__candidate=candidate, file=factories.pdf_file("ktp.pdf")
    )
    client.force_login(candidate)
    response = client.get(reverse("assessments:document_file", args=[document.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_redirect_to_a_signed_in_user_is_not_stored_either(client, candidate):
    client.force_login(candidate)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_the_session_cookie_is_httponly_and_lax(client):
    user = factories.UserFactory(email="cookie@example.test")
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


# --- templates: nothing inline that the policy would block ------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}")
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def _offenders(pattern: re.Pattern) -> list[str]:
    found = []
    for path in BROWSER_TEMPLATES:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(TEMPLATE_COMMENT.sub("", line)):
                found.append(f"{path.relative_to(TEMPLATES_DIR)}:{number}: {line.strip()}")
    return found


def test_the_template_scan_sees_the_templates():
    assert len(BROWSER_TEMPLATES) > 20
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/x.js"></script>')
    assert EVENT_HANDLER.search('<a onclick="x()">') and STYLE_ATTRIBUTE.search('<p style="">')


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT, JS_URL],
    ids=["inline-script", "event-handler", "style-attribute", "style-element", "javascript-url"],
)
def test_no_template_has_inline_code_or_style(pattern):
    offenders = _offenders(pattern)
    assert not offenders, (
        "Move these to static/js or static/css (the Content-Security-Policy blocks them):\n"
        + "\n".join(offenders)
    )

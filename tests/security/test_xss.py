"""Stored XSS: every free-text field a person can fill holds a script payload, and every page of
the project (the permission matrix's list, each asked for by a persona that may see it) shows it
escaped. Templates and code never mark user text safe."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import reverse

from tests.security.test_permission_matrix import (
    PERSONAS,
    URL_EXPECTATIONS,
    iter_patterns,
    url_kwargs,
)

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
RAW = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Fields that are not free text a person types, or whose format a page relies on (identifiers
# in URLs, hashes, file names written by the storage, validated numbers).
NOT_FREE_TEXT = {
    "password",
    "email",
    "nik",
    "nik_hash",
    "phone",
    "job_phone",
    "contact_phone",
    "postal_code",
    "token",
    "sha256",
    "previous_sha256",
    "number",
    "met_number",
    "code",
    "short_code",
    "licence_number",
    "file",
    "logo",
    "content_type",
    "language",
    "time_zone",
    "request_id",
    "document",
    "instrument",
    "key",
    "ip_address",
    "user_agent",
    "typed_name",
}
SKIPPED_MODELS = {"ArchivedDocument"}  # append-only: the archive refuses updates


def free_text_fields(model) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not field.unique
        and field.name not in NOT_FREE_TEXT
        and not field.name.endswith(("_hash", "_id", "_number", "_code", "_token"))
    ]


def poison_every_free_text_field() -> list[str]:
    """Write the payload into every free-text field of every row (history tables aside)."""
    poisoned = []
    for label in ("schemes", "assessments", "certification"):
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical") or model.__name__ in SKIPPED_MODELS:
                continue
            fields = free_text_fields(model)
            if not fields or not model._base_manager.exists():
                continue
            for name in fields:
                max_length = model._meta.get_field(name).max_length
                try:
                    with transaction.atomic():
                        model._base_manager.update(
                            **{name: PAYLOAD[:max_length] if max_length else PAYLOAD}
                        )
                except IntegrityError:
                    continue  # a database constraint keeps its format: not free text
                poisoned.append(f"{model.__name__}.{name}")
    return poisoned


def test_the_payload_covers_the_fields_people_fill(world):
    poisoned = set(poison_every_free_text_field())
    for field in [
        "User.full_name",
        "CandidateProfile.address",
        "CandidateProfile.institution",
        "CandidateProfile.position",
        "Evidence.title",
        "Evidence.description",
        "Appeal.reason",
        "Complaint.text",
        "Complaint.name",
        "TUK.name",
        "SchemeVersion.title",
        "Unit.title",
        "Criterion.text",
        "BankQuestion.text",
    ]:
        assert field in poisoned, field


def test_every_page_shows_user_text_escaped(
    world,
    candidate,
    other_candidate,
    assessor,
    other_assessor,
    decision_maker,
    admin_user,
    settings,
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = ""
    poison_every_free_text_field()
    users = {
        "candidate": candidate,
        "other_candidate": other_candidate,
        "assessor": assessor,
        "other_assessor": other_assessor,
        "decision_maker": decision_maker,
        "admin": admin_user,
    }
    clients = {"anon": Client(raise_request_exception=False)}
    for persona, user in users.items():
        clients[persona] = Client(raise_request_exception=False)
        clients[persona].force_login(user)
    patterns = {name: pattern for _, name, pattern in iter_patterns()}
    problems, showing = [], set()
    for name, (method, statuses) in sorted(URL_EXPECTATIONS.items()):
        if method != "GET" or name not in patterns:
            continue
        url = reverse(name, kwargs=url_kwargs(name, patterns[name], world.ids))
        for persona, status in zip(PERSONAS, statuses.split(), strict=True):
            if status != "200":
                continue
            response = clients[persona].get(url)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            body = b"".join(response) if response.streaming else response.content
            html = body.decode(errors="replace")
            if response.status_code >= 500:
                problems.append(f"{name} as {persona}: {response.status_code}")
            for raw in RAW:
                if raw in html:
                    problems.append(f"{name} as {persona}: unescaped {raw!r}")
            if ESCAPED in html:
                showing.add(name)
    assert not problems, "\n".join(problems)
    # The payload really reached the pages that show what people typed.
    for name in [
        "assessments:profile",
        "assessments:evidence",
        "appeal_detail",
        "complaint_detail",
        "assessments:admin_tuks",
        "console_bank",
    ]:
        if name in URL_EXPECTATIONS:
            assert name in showing, f"{name} did not show the payload at all"
    assert len(showing) >= 20, sorted(showing)


def test_html_templates_never_turn_escaping_off():
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"\|\s*safe(seq)?\b|{%\s*autoescape\s+off", text):
            offenders.append(str(path))
    assert not offenders, offenders


def test_escaping_is_off_only_in_plain_text_email_templates():
    for path in Path(settings.BASE_DIR, "templates").rglob("*"):
        if path.is_file() and "autoescape off" in path.read_text(errors="replace"):
            assert path.suffix == ".txt", path


def test_code_marks_nothing_safe_but_the_pdf_page_counter():
    uses = []
    for app in ("schemes", "assessments", "certification"):
        for path in Path(settings.BASE_DIR, app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line in path.read_text().splitlines():
                if re.search(r"\bmark_safe\(|\bSafeString\(|\|safe\b", line):
                    uses.append(f"{path.relative_to(settings.BASE_DIR)}:{line.strip()}")
    assert uses == [
        "assessments/pdf/render.py:" + "return mark_safe(css)  # noqa: S308 - built "
        "from escaped catalogue text, no user input"
    ], uses

"""The permission matrix: every URL pattern of the project, asked for by every persona with the
ids of objects that belong to the candidate (Alice) and her assessor (Charlie).

URL_EXPECTATIONS is the one table of what each persona gets. The patterns are read from the
resolver, so a page added without a line in the table fails ``test_every_url_has_an_expectation``.

Statuses: 200 shown, 302 redirected (to the login page for the anonymous visitor, or elsewhere by
the page), 403 refused, 404 hidden (someone else's record), 405 wrong method. For POST-only views
an empty POST is sent: a refused persona is refused before the form is read, an allowed one gets
the form's answer (200 with errors, or 302).

Each request runs inside a transaction that is rolled back, so personas never see each other's
changes. Regenerate the table (then review every changed line!) with
``KOMPETEN_MATRIX_DUMP=1 pytest tests/security/test_permission_matrix.py -s``.
"""

import copy
import os
import uuid

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anon",
    "candidate",
    "other_candidate",
    "assessor",
    "other_assessor",
    "decision_maker",
    "admin",
)
EXCLUDED_PREFIXES = ("django-admin/", "static/")

# name: (method, "anon candidate other_candidate assessor other_assessor decision_maker admin")
URL_EXPECTATIONS: dict[str, tuple[str, str]] = {
    "appeal_assign": ("POST", "302 403 403 403 403 403 302"),
    "appeal_detail": ("GET", "302 403 403 403 403 403 200"),
    "appeal_list": ("GET", "302 403 403 403 403 403 200"),
    "appeal_new": ("GET", "302 200 404 404 404 404 404"),
    "appeal_rule": ("POST", "302 403 403 403 403 403 302"),
    "assessments:admin_assessment_reassign": ("POST", "302 403 403 403 403 403 302"),
    "assessments:admin_assessor_create": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_assessor_edit": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_assessors": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_event": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_event_action": ("POST", "302 403 403 403 403 403 302"),
    "assessments:admin_event_assign": ("POST", "302 403 403 403 403 403 302"),
    "assessments:admin_event_create": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_event_edit": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_event_place": ("POST", "302 403 403 403 403 403 302"),
    "assessments:admin_events": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_tuk_create": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_tuk_edit": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_tuk_verify": ("GET", "302 403 403 403 403 403 200"),
    "assessments:admin_tuks": ("GET", "302 403 403 403 403 403 200"),
    "assessments:apl02": ("GET", "302 200 404 404 404 404 404"),
    "assessments:apl02_answer": ("POST", "302 302 404 404 404 404 404"),
    "assessments:application": ("GET", "302 200 404 404 404 404 404"),
    "assessments:application_edit": ("GET", "302 200 404 404 404 404 404"),
    "assessments:applications": ("GET", "302 200 200 200 200 200 200"),
    "assessments:apply": ("GET", "302 200 200 302 302 302 302"),
    "assessments:archive_check": ("GET", "302 403 403 403 403 403 200"),
    "assessments:archive_download": ("GET", "302 200 404 200 404 200 200"),
    "assessments:assess_decide": ("GET", "302 404 404 200 404 404 404"),
    "assessments:assess_decide_unit": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_evidence": ("GET", "302 404 404 200 404 404 404"),
    "assessments:assess_evidence_request": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_evidence_review": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_feedback": ("GET", "302 404 404 200 404 404 404"),
    "assessments:assess_feedback_unit": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_observe": ("GET", "302 404 404 200 404 404 404"),
    "assessments:assess_observe_kuk": ("POST", "302 404 404 302 404 404 404"),
    "assessments:assess_prepare": ("GET", "302 404 404 200 404 404 404"),
    "assessments:assess_prepare_ak07": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_prepare_apl02": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_prepare_checks": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_prepare_complete": ("POST", "302 404 404 302 404 404 404"),
    "assessments:assess_prepare_plan": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_prepare_sign": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assess_questions": ("GET", "302 404 404 200 404 404 404"),
    "assessments:assess_recommend": ("POST", "302 404 404 302 404 404 404"),
    "assessments:assess_report": ("GET", "302 404 404 200 404 404 404"),
    "assessments:assess_third_party": ("POST", "302 404 404 200 404 404 404"),
    "assessments:assessor_home": ("GET", "302 403 403 200 200 403 403"),
    "assessments:consent": ("GET", "302 200 404 404 404 404 404"),
    "assessments:document_batch": ("POST", "302 403 403 403 403 403 302"),
    "assessments:document_batch_status": ("GET", "302 403 403 403 403 403 200"),
    "assessments:document_file": ("GET", "302 200 404 200 404 200 200"),
    "assessments:document_request": ("POST", "302 302 404 302 404 302 302"),
    "assessments:document_status": ("GET", "302 200 404 200 404 200 200"),
    "assessments:documents": ("GET", "302 200 404 404 404 404 404"),
    "assessments:documents_panel": ("GET", "302 200 404 200 404 200 200"),
    "assessments:event_attendance": ("POST", "302 403 403 302 404 403 403"),
    "assessments:event_detail": ("GET", "302 403 403 200 404 403 403"),
    "assessments:event_impartiality": ("GET", "302 403 403 302 404 403 403"),
    "assessments:event_report": ("GET", "302 404 404 200 404 404 404"),
    "assessments:event_sign_ak01": ("POST", "302 403 403 302 404 403 403"),
    "assessments:evidence": ("GET", "302 200 404 404 404 404 404"),
    "assessments:evidence_delete": ("POST", "302 302 404 404 404 404 404"),
    "assessments:evidence_file": ("GET", "302 200 404 200 404 200 200"),
    "assessments:evidence_request_answer": ("POST", "302 200 404 404 404 404 404"),
    "assessments:evidence_request_upload": ("POST", "302 200 404 404 404 404 404"),
    "assessments:evidence_supersede": ("POST", "302 200 404 404 404 404 404"),
    "assessments:feedback": ("GET", "302 302 404 404 404 404 404"),
    "assessments:notification_badge": ("GET", "302 200 200 200 200 200 200"),
    "assessments:notification_read": ("POST", "302 302 404 404 404 404 404"),
    "assessments:notifications": ("GET", "302 200 200 200 200 200 200"),
    "assessments:notifications_read_all": ("POST", "302 302 302 302 302 302 302"),
    "assessments:privacy_access_log": ("GET", "302 403 403 403 403 403 200"),
    "assessments:privacy_erasure": ("GET", "302 200 200 403 403 403 403"),
    "assessments:privacy_erasure_detail": ("GET", "302 403 403 403 403 403 200"),
    "assessments:privacy_erasure_requests": ("GET", "302 403 403 403 403 403 200"),
    "assessments:profile": ("GET", "302 200 200 200 200 200 200"),
    "assessments:submit": ("GET", "302 200 404 404 404 404 404"),
    "assessments:verification": ("GET", "302 403 403 403 403 403 200"),
    "assessments:verification_accept": ("POST", "302 403 403 403 403 403 302"),
    "assessments:verification_documents": ("POST", "302 403 403 403 403 403 200"),
    "assessments:verification_payment": ("POST", "302 403 403 403 403 403 302"),
    "assessments:verification_queue": ("GET", "302 403 403 403 403 403 200"),
    "assessments:verification_reject": ("POST", "302 403 403 403 403 403 200"),
    "assessments:verification_return": ("POST", "302 403 403 403 403 403 200"),
    "assessments:withdraw": ("GET", "302 200 404 404 404 404 404"),
    "certificate_bnsp": ("POST", "302 403 403 403 403 403 302"),
    "certificate_detail": ("GET", "302 200 404 404 404 200 200"),
    "certificate_issue": ("POST", "302 403 403 403 403 403 302"),
    "certificate_list": ("GET", "302 403 403 403 403 200 200"),
    "certificate_qr": ("GET", "200 200 200 200 200 200 200"),
    "certificate_search": ("GET", "200 200 200 200 200 200 200"),
    "certificate_state": ("POST", "302 403 403 403 403 302 403"),
    "certificate_verify": ("GET", "200 200 200 200 200 200 200"),
    "complaint_answer": ("POST", "302 403 403 403 403 404 302"),
    "complaint_assign": ("POST", "302 403 403 403 403 404 302"),
    "complaint_detail": ("GET", "302 403 403 403 403 404 200"),
    "complaint_list": ("GET", "302 403 403 403 403 200 200"),
    "complaint_new": ("GET", "200 200 200 200 200 200 200"),
    "complaint_suspend": ("POST", "302 403 403 403 403 404 302"),
    "complaint_thanks": ("GET", "200 200 200 200 200 200 200"),
    "console_bank": ("GET", "302 403 403 403 403 403 200"),
    "console_bank_edit": ("GET", "302 403 403 403 403 403 200"),
    "console_bank_toggle": ("POST", "302 403 403 403 403 403 302"),
    "console_batch": ("GET", "302 403 403 403 403 403 200"),
    "console_batch_apply": ("POST", "302 403 403 403 403 403 302"),
    "console_batch_template": ("GET", "302 403 403 403 403 403 200"),
    "console_dashboard": ("GET", "302 403 403 403 403 403 200"),
    "console_diff": ("GET", "302 403 403 403 403 403 200"),
    "console_export": ("GET", "302 403 403 403 403 403 200"),
    "console_requirements": ("GET", "302 403 403 403 403 403 200"),
    "decision_detail": ("GET", "302 403 403 403 403 200 403"),
    "decision_letter_detail": ("GET", "302 403 403 403 403 200 200"),
    "decision_letter_sign": ("POST", "302 403 403 403 403 403 403"),
    "decision_letters": ("GET", "302 403 403 403 403 200 200"),
    "decision_log": ("GET", "302 403 403 403 403 200 200"),
    "decision_queue": ("GET", "302 403 403 403 403 200 403"),
    "healthz": ("GET", "200 200 200 200 200 200 200"),
    "home": ("GET", "302 200 200 200 200 200 200"),
    "login": ("GET", "200 302 302 302 302 302 302"),
    "logout": ("POST", "302 302 302 302 302 302 302"),
    "lsp_edit": ("GET", "302 403 403 403 403 403 200"),
    "lsp_logo": ("GET", "404 404 404 404 404 404 404"),
    "my_certificates": ("GET", "302 200 200 200 200 200 200"),
    "password_change": ("GET", "302 200 200 200 200 200 200"),
    "password_change_done": ("GET", "302 200 200 200 200 200 200"),
    "password_reset": ("GET", "200 200 200 200 200 200 200"),
    "password_reset_complete": ("GET", "200 200 200 200 200 200 200"),
    "password_reset_confirm": ("GET", "200 200 200 200 200 200 200"),
    "password_reset_done": ("GET", "200 200 200 200 200 200 200"),
    "register": ("GET", "200 302 302 302 302 302 302"),
    "schemes:detail": ("GET", "302 200 200 200 200 200 200"),
    "schemes:import": ("GET", "302 403 403 403 403 403 200"),
    "schemes:list": ("GET", "302 200 200 200 200 200 200"),
    "schemes:new_draft": ("POST", "302 403 403 403 403 403 302"),
    "schemes:publish": ("POST", "302 403 403 403 403 403 302"),
    "set_language": ("POST", "302 302 302 302 302 302 302"),
    "two_factor": ("GET", "302 200 200 200 200 200 200"),
    "two_factor_backup_codes": ("POST", "302 302 302 302 302 200 200"),
    "two_factor_disable": ("GET", "302 302 302 302 302 200 200"),
    "two_factor_login": ("GET", "302 302 302 302 302 302 302"),
    "two_factor_setup": ("GET", "302 200 200 200 200 302 302"),
    "verify_email": ("GET", "400 400 400 400 400 400 400"),
    "verify_email_resend": ("POST", "400 302 302 302 302 302 302"),
}


def iter_patterns(resolver=None, prefix="", namespace=""):
    """Yield (route, full name, pattern) for every named URL, recursively."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(EXCLUDED_PREFIXES):
                continue
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from iter_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            if route.startswith(EXCLUDED_PREFIXES):
                continue
            yield route, namespace + (entry.name or ""), entry


def project_url_names() -> list[str]:
    return sorted({name for _, name, _ in iter_patterns()})


# Which object a "pk" means, by URL name (first matching prefix wins); otherwise the assessment.
PK_BY_NAME = [
    ("assessments:admin_assessor_", "assessor_profile"),
    ("assessments:admin_tuk", "tuk"),
    ("assessments:admin_event", "event"),
    ("assessments:event_", "event"),
    ("assessments:notification_read", "notification"),
    ("assessments:archive_download", "archived"),
    ("assessments:document_batch_status", "batch"),
    ("decision_letter_", "letter"),
    ("decision_detail", "decided"),
    ("certificate_", "certificate"),
    ("appeal_", "appeal"),
    ("complaint_", "complaint"),
    ("schemes:", "scheme_version"),
    ("console_bank_", "bank"),
    ("console_requirements", "scheme_version"),
    ("assessments:privacy_erasure_detail", "erasure"),
]


def url_kwargs(name: str, pattern: URLPattern, ids: dict) -> dict:
    kwargs = {}
    keys = list(pattern.pattern.regex.groupindex) or list(pattern.pattern.converters)
    for key in keys:
        if key == "pk":
            kind = next((k for prefix, k in PK_BY_NAME if name.startswith(prefix)), "assessment")
            kwargs[key] = ids[kind]
        elif key == "request_id":
            kwargs[key] = (
                ids["render"] if name.endswith("document_status") else ids["evidence_request"]
            )
        elif key == "file_id":
            kwargs[key] = ids["document" if name.endswith("document_file") else "evidence"]
        elif key == "token":
            kwargs[key] = ids["certificate_token"] if "certificate" in name else "not-a-token"
        elif key == "uidb64":
            kwargs[key] = "MQ"
        else:
            # A KeyError here means a new URL keyword: add the object it names to the world.
            kwargs[key] = {
                "assessment_pk": ids["decided"],
                "decision_pk": ids["decision"],
                "evidence_id": ids["evidence"],
                "element_id": ids["element"],
                "criterion_id": ids["criterion"],
                "unit_id": ids["unit"],
                "subject_type": "assessment",
                "subject_id": ids["assessment"],
                "document": "ak01",
                "event_id": ids["event"],
                "scheme_pk": ids["scheme"],
                "fmt": "csv",
                "action": "close",
            }[key]
    return kwargs


def test_every_url_has_an_expectation():
    missing = [name for name in project_url_names() if name not in URL_EXPECTATIONS]
    stale = [name for name in URL_EXPECTATIONS if name not in project_url_names()]
    assert not missing, (
        f"Declare the expected statuses of these URLs in URL_EXPECTATIONS: {missing}"
    )
    assert not stale, f"These URLs no longer exist, remove them from URL_EXPECTATIONS: {stale}"


def test_every_expectation_lists_all_personas():
    for name, (method, statuses) in URL_EXPECTATIONS.items():
        assert method in {"GET", "POST"}, name
        assert len(statuses.split()) == len(PERSONAS), name


def _status(client: Client, method: str, url: str) -> int:
    # A logout (or a login) replaces the session cookie: keep each persona signed in.
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = client.post(url) if method == "POST" else client.get(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


def test_permission_matrix(
    world,
    candidate,
    other_candidate,
    assessor,
    other_assessor,
    decision_maker,
    admin_user,
    settings,
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a POST that queues a PDF must not render it
    # /healthz answers 503 in CI, where Redis is set but no worker runs during this test; its
    # Redis and worker checks have their own tests (tests/certification/test_health.py).
    settings.REDIS_URL = ""
    users = {
        "anon": None,
        "candidate": candidate,
        "other_candidate": other_candidate,
        "assessor": assessor,
        "other_assessor": other_assessor,
        "decision_maker": decision_maker,
        "admin": admin_user,
    }
    clients = {}
    for persona, user in users.items():
        clients[persona] = Client(raise_request_exception=False)
        if user is not None:
            clients[persona].force_login(user)
    dump = os.environ.get("KOMPETEN_MATRIX_DUMP")
    patterns = {name: pattern for _, name, pattern in iter_patterns()}
    mismatches, lines, checked = [], [], 0
    for name in sorted(patterns):
        if name not in URL_EXPECTATIONS and not dump:
            continue
        url = reverse(name, kwargs=url_kwargs(name, patterns[name], world.ids))
        method = URL_EXPECTATIONS.get(name, ("GET", ""))[0]
        if dump and name not in URL_EXPECTATIONS:
            probe = _status(clients["admin"], "GET", url)
            method = "POST" if probe == 405 else "GET"
        actual = " ".join(str(_status(clients[p], method, url)) for p in PERSONAS)
        checked += len(PERSONAS)
        lines.append(f'    "{name}": ("{method}", "{actual}"),')
        expected = URL_EXPECTATIONS.get(name, (method, ""))[1]
        if actual != expected:
            mismatches.append(f"{name} {method} {url}: expected [{expected}] got [{actual}]")
    if dump:
        print("\n".join(lines))
    print(
        f"permission matrix: {len(patterns)} URL patterns x {len(PERSONAS)} personas, "
        f"{checked} requests"
    )
    assert not mismatches, "\n".join(["persona order: " + " ".join(PERSONAS), *mismatches])


def test_no_persona_ever_gets_a_server_error():
    # A cheap guard independent of the table: a 5xx anywhere is a bug, whatever was declared.
    for name, (_method, statuses) in URL_EXPECTATIONS.items():
        assert not any(s.startswith("5") for s in statuses.split()), name


def test_a_random_uuid_or_missing_id_is_a_404_not_a_500(client, admin_user):
    client.force_login(admin_user)
    assert (
        client.get(reverse("assessments:document_status", args=[uuid.uuid4()])).status_code == 404
    )

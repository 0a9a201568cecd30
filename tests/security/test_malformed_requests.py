"""Malformed requests (bad ids, broken multipart, invalid UTF-8, oversized bodies, wrong methods,
missing CSRF) give a 4xx or a normal page, never a 5xx, and never a stack trace with DEBUG off."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from assessments.models import Assessment
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
BOUNDARY = "----kompetenboundary"


def _cases(ids: dict) -> list[tuple[str, str, str, dict]]:
    """(label, method, path, extra client kwargs): at least fifty of them."""
    a = ids["assessment"]
    multipart = f"multipart/form-data; boundary={BOUNDARY}"
    return [
        ("alpha id", "get", "/assessments/abc/", {}),
        ("alpha id documents", "get", "/assessments/abc/documents/", {}),
        ("huge id", "get", f"/assessments/{HUGE}/", {}),
        ("huge id evidence", "get", f"/assessments/{HUGE}/evidence/", {}),
        ("huge file id", "get", f"/assessments/files/evidence/{HUGE}/", {}),
        ("huge document file id", "get", f"/assessments/files/document/{HUGE}/", {}),
        ("huge decision", "get", f"/decisions/{HUGE}/", {}),
        ("huge certificate", "get", f"/certificates/{HUGE}/", {}),
        ("huge appeal", "get", f"/appeals/case/{HUGE}/", {}),
        ("huge complaint", "get", f"/complaints/{HUGE}/", {}),
        ("huge scheme", "get", f"/schemes/{HUGE}/", {}),
        ("huge event", "get", f"/assessments/events/{HUGE}/", {}),
        ("huge element", "post", f"/assessments/{a}/apl02/{HUGE}/", {}),
        ("negative id", "get", "/assessments/-1/", {}),
        ("bad uuid", "get", "/assessments/documents/requests/not-a-uuid/", {}),
        ("unknown document", "post", f"/assessments/documents/zz99/assessment/{a}/", {}),
        ("unknown subject", "get", f"/assessments/documents/panel/nothing/{a}/", {}),
        ("bad certificate token", "get", "/verify/c/%00%ff/", {}),
        ("bad token qr", "get", "/verify/c/x/qr.png", {}),
        ("bad email token", "get", "/verify/%E2%80%AE/", {}),
        ("bad reset uid", "get", "/password/reset/!!/x-y/", {}),
        ("path traversal", "get", "/assessments/files/evidence/..%2F..%2Fetc%2Fpasswd/", {}),
        ("nul in path", "get", "/assessments/%00/", {}),
        ("invalid utf8 query", "get", "/verify/?q=%ff%fe%fd", {}),
        ("invalid utf8 query page", "get", "/assessments/?page=%c3%28", {}),
        ("invalid utf8 query list", "get", "/certificates/?q=%80&page=x", {}),
        ("huge page number", "get", f"/certificates/?page={HUGE}", {}),
        ("bad filter value", "get", "/assessments/verification/?state=%ff&scheme=abc", {}),
        (
            "invalid utf8 form body",
            "post",
            reverse("login"),
            {
                "data": b"username=%ff%fe&password=%c3%28",
                "content_type": "application/x-www-form-urlencoded",
            },
        ),
        (
            "invalid utf8 raw body",
            "post",
            reverse("assessments:profile"),
            {"data": b"\xff\xfe\xfd", "content_type": "application/x-www-form-urlencoded"},
        ),
        (
            "json where a form is expected",
            "post",
            reverse("assessments:profile"),
            {"data": b'{"nik": 1}', "content_type": "application/json"},
        ),
        (
            "broken multipart no boundary",
            "post",
            reverse("assessments:evidence", args=[a]),
            {
                "data": b"--x\r\nContent-Disposition: form-data",
                "content_type": "multipart/form-data",
            },
        ),
        (
            "broken multipart truncated",
            "post",
            reverse("assessments:evidence", args=[a]),
            {
                "data": f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="a.pdf"\r\n\r\n%PDF-1.4'.encode(),
                "content_type": multipart,
            },
        ),
        (
            "multipart garbage headers",
            "post",
            reverse("assessments:documents", args=[a]),
            {
                "data": f"--{BOUNDARY}\r\n\xff\xfe\r\n\r\nzz\r\n--{BOUNDARY}--\r\n".encode(
                    "latin-1"
                ),
                "content_type": multipart,
            },
        ),
        (
            "multipart utf8 bad filename",
            "post",
            reverse("assessments:evidence", args=[a]),
            {
                "data": f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="'.encode()
                + b'\xff\xfe.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
                + b"%PDF-1.4\r\n"
                + f"--{BOUNDARY}--\r\n".encode(),
                "content_type": multipart,
            },
        ),
        (
            "oversized form body",
            "post",
            reverse("complaint_new"),
            {"data": {"text": "x" * (3 * 1024 * 1024), "name": "a", "email": "a@b.c"}},
        ),
        (
            "too many fields",
            "post",
            reverse("complaint_new"),
            {
                "data": "&".join(f"f{i}=1" for i in range(1200)),
                "content_type": "application/x-www-form-urlencoded",
            },
        ),
        ("wrong method put", "put", reverse("home"), {}),
        ("wrong method delete", "delete", reverse("assessments:application", args=[a]), {}),
        ("wrong method patch", "patch", reverse("assessments:profile"), {}),
        (
            "get on post-only submit",
            "get",
            reverse("assessments:verification_accept", args=[a]),
            {},
        ),
        ("get on post-only logout", "get", reverse("logout"), {}),
        ("post on healthz", "post", reverse("healthz"), {}),
        ("options", "options", reverse("assessments:applications"), {}),
        ("missing csrf", "csrf-post", reverse("assessments:profile"), {"data": {"nik": "1"}}),
        ("missing csrf logout", "csrf-post", reverse("logout"), {}),
        (
            "missing csrf language",
            "csrf-post",
            reverse("set_language"),
            {"data": {"language": "en"}},
        ),
        ("bad host header", "get", reverse("home"), {"HTTP_HOST": "evil.example"}),
        (
            "bad htmx header",
            "get",
            reverse("assessments:notifications"),
            {"HTTP_HX_REQUEST": "\xff", "HTTP_HX_TARGET": "x" * 5000},
        ),
        (
            "bad accept-language",
            "get",
            reverse("home"),
            {"HTTP_ACCEPT_LANGUAGE": "zz-ZZ;q=abc,\xff"},
        ),
        ("zero id", "get", "/assessments/0/", {}),
        ("invalid utf8 in path", "get", "/assessments/%ff%fe/evidence/", {}),
        ("overlong utf8 in query", "get", "/certificates/?q=%c0%af%e0%80%af", {}),
        ("huge page of the decision log", "get", f"/decisions/log/?page={HUGE}", {}),
        ("impossible date filter", "get", "/decisions/log/?date=2026-02-30&decided_after=x", {}),
        (
            "huge id in a multiple choice",
            "post",
            reverse("assessments:admin_assessor_create"),
            {
                "data": {
                    "email": "x@example.test",
                    "full_name": "X",
                    "met_number": "MET.000.000001.2020",
                    "licence_valid_until": "2030-01-01",
                    "status": "active",
                    "scope": [HUGE, "-" + HUGE],
                }
            },
        ),
        (
            "huge ids in single choices",
            "post",
            reverse("assessments:admin_event_create"),
            {"data": {"scheme_version": HUGE, "tuk": "-" + HUGE, "quota": HUGE}},
        ),
        (
            "huge id in the decision letter choices",
            "post",
            reverse("decision_letters"),
            {"data": {"decisions": [HUGE], "signatory": HUGE}},
        ),
        (
            "unknown charset",
            "post",
            reverse("complaint_new"),
            {
                "data": b"name=a&email=a%40b.c&text=x",
                "content_type": "application/x-www-form-urlencoded",
                # Past the test client's own encoding step: the header the server sees.
                "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=x-no-such",
            },
        ),
        (
            "content-length that lies",
            "post",
            reverse("assessments:evidence", args=[a]),
            {
                "data": f"--{BOUNDARY}--\r\n".encode(),
                "content_type": multipart,
                "CONTENT_LENGTH": str(10**12),
            },
        ),
        (
            "negative content-length",
            "post",
            reverse("complaint_new"),
            {
                "data": b"name=a",
                "content_type": "application/x-www-form-urlencoded",
                "CONTENT_LENGTH": "-5",
            },
        ),
        (
            "too many files",
            "post",
            reverse("assessments:evidence", args=[a]),
            {
                "data": b"".join(
                    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f{i}"; '
                    f'filename="{i}.pdf"\r\n\r\nx\r\n'.encode()
                    for i in range(150)
                )
                + f"--{BOUNDARY}--\r\n".encode(),
                "content_type": multipart,
            },
        ),
        (
            "too many query parameters",
            "get",
            reverse("assessments:applications") + "?" + "&".join(f"p{i}=1" for i in range(1500)),
            {},
        ),
        (
            "bad range header on a download",
            "get",
            reverse("assessments:evidence_file", args=[ids["evidence"]]),
            {"HTTP_RANGE": "bytes=99999999999999999999-1,-0,x"},
        ),
        ("head request", "head", reverse("assessments:profile"), {}),
        ("trace method", "trace", reverse("home"), {}),
        (
            "htmx headers on a full page post",
            "post",
            reverse("assessments:apl02_answer", args=[a, HUGE]),
            {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "javascript:alert(1)"},
        ),
    ]


@pytest.fixture
def ids(candidate, assessor):
    assessment = factories.assessment_in_state(
        Assessment.State.DRAFT, candidate=candidate, assessor=assessor
    )
    evidence = factories.EvidenceFactory(assessment=assessment, file=factories.pdf_file())
    return {"assessment": assessment.pk, "evidence": evidence.pk}


def test_there_are_at_least_fifty_distinct_cases(ids):
    cases = _cases(ids)
    assert len(cases) >= 50
    assert len({label for label, *_rest in cases}) == len(cases)


@override_settings(DEBUG=False)
@pytest.mark.parametrize("persona", ["anonymous", "candidate", "admin"])
def test_malformed_requests_never_give_a_server_error_or_a_trace(
    ids, candidate, admin_user, persona
):
    failures = []
    for label, method, path, extra in _cases(ids):
        extra = dict(extra)
        enforce = method == "csrf-post"
        client = Client(raise_request_exception=False, enforce_csrf_checks=enforce)
        if persona == "candidate":
            client.force_login(candidate)
        elif persona == "admin":
            client.force_login(admin_user)
        method = "post" if enforce else method
        response = getattr(client, method)(path, **extra)
        body = response.content if not response.streaming else b"".join(response)
        if response.status_code >= 500 or b"Traceback" in body or b'File "/' in body:
            failures.append(f"{label}: {method.upper()} {path} -> {response.status_code}")
        if enforce and response.status_code != 403:
            failures.append(f"{label}: a POST without CSRF token was not refused")
    assert not failures, "\n".join(failures)

"""assessments.redirects.local_url: the one rule for redirects taken from the request."""

import pytest

from assessments.redirects import local_url


@pytest.mark.parametrize(
    ("url", "path_only", "expected"),
    [
        (None, False, ""),
        ("", False, ""),
        ("/assessments/12/", False, "/assessments/12/"),
        ("/assessments/12/?tab=2#x", True, "/assessments/12/?tab=2#x"),
        ("http://testserver/home/", False, "http://testserver/home/"),
        ("http://testserver/home/", True, ""),
        ("home", True, ""),
        ("https://evil.example/", False, ""),
        ("//evil.example/path", False, ""),
        ("//evil.example/path", True, ""),
        ("/\\evil.example", True, ""),
        ("javascript:alert(1)", False, ""),
    ],
)
def test_only_this_site(rf, url, path_only, expected):
    assert local_url(rf.get("/"), url, path_only=path_only) == expected


def test_a_secure_request_is_not_sent_to_plain_http(rf):
    request = rf.get("/", secure=True)
    assert local_url(request, "http://testserver/home/") == ""
    assert local_url(request, "https://testserver/home/") == "https://testserver/home/"

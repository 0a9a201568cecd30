"""No open redirect through any ``next`` (or Referer) parameter: sign-in, sign-out, the
language switch and the candidate profile all stay on this site whatever they are given."""

from urllib.parse import quote, urlsplit

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

HOSTILE = [
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http://evil.example/login/",
    "https:evil.example",
    "https:/evil.example",
    "///evil.example",
    " //evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://testserver@evil.example/",
]
# The same, percent-encoded once more: the raw query string below carries them as typed in a
# link, and the test client's own encoding of HOSTILE covers the decoded form.
ENCODED = [quote(value, safe="") for value in HOSTILE]


def assert_stays_here(response):
    location = response.get("Location", "")
    if not location:
        assert response.status_code in {200, 400, 403, 405}, response.status_code
        return
    parts = urlsplit(location.strip())
    assert parts.scheme in {"", "http", "https"}, location
    assert parts.netloc in {"", "testserver"}, location
    # A browser treats "/\evil" and "//evil" as another host: the path must not start so.
    assert not parts.path.startswith(("//", "/\\", "\\")), location


@pytest.mark.parametrize("target", HOSTILE + ENCODED)
def test_signing_in_never_redirects_to_another_site(client, target):
    user = factories.UserFactory(email="next@example.test")
    response = client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302  # signed in
    assert_stays_here(response)


@pytest.mark.parametrize("target", HOSTILE)
def test_the_login_page_never_redirects_a_signed_in_user_to_another_site(client, target):
    client.force_login(factories.UserFactory())
    assert_stays_here(client.get(reverse("login"), {"next": target}))


@pytest.mark.parametrize("target", ENCODED)
def test_a_raw_encoded_next_in_the_login_link_stays_here(client, target):
    client.force_login(factories.UserFactory())
    assert_stays_here(client.get(f"{reverse('login')}?next={target}"))


@pytest.mark.parametrize("target", HOSTILE + ENCODED)
def test_signing_out_never_redirects_to_another_site(client, target):
    client.force_login(factories.UserFactory())
    assert_stays_here(client.post(reverse("logout"), {"next": target}))


@pytest.mark.parametrize("target", HOSTILE + ENCODED)
def test_the_language_switch_never_redirects_to_another_site(client, target):
    client.force_login(factories.UserFactory())
    response = client.post(
        reverse("set_language"), {"language": "en", "next": target}, HTTP_REFERER=target
    )
    assert_stays_here(response)


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_ignores_a_hostile_referer(client, target):
    response = client.post(reverse("set_language"), {"language": "en"}, HTTP_REFERER=target)
    assert_stays_here(response)


def _profile_post() -> dict:
    return {
        "nik": "3171 0123 4567 8999",
        "birth_place": "Makassar",
        "birth_date": "1996-08-17",
        "sex": "P",
        "nationality": "Indonesia",
        "address": "Jl. Somba Opu 10, Makassar",
        "postal_code": "90111",
        "phone": "0813 4444 5555",
        "education": "d3",
    }


@pytest.mark.parametrize("target", HOSTILE + ENCODED)
def test_the_profile_never_continues_to_another_site(client, target):
    client.force_login(factories.UserFactory())
    response = client.post(reverse("assessments:profile"), {**_profile_post(), "next": target})
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("assessments:apply")


@pytest.mark.parametrize("target", HOSTILE)
def test_the_profile_page_does_not_link_onwards_to_another_site(client, target):
    client.force_login(factories.UserFactory())
    body = client.get(reverse("assessments:profile"), {"next": target}).content.decode()
    # The page may carry its own address (the language switch's "next"), but never the target
    # itself as a link, a form action or the profile form's hidden "next".
    for attribute in ("href", "action", "value", "hx-get", "hx-post"):
        assert f'{attribute}="{escape(target)}"' not in body


def test_a_local_next_still_works(client):
    """The guard must not be so strict that it breaks the normal case."""
    user = factories.UserFactory(email="local@example.test")
    target = reverse("assessments:applications")
    response = client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target

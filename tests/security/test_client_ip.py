"""Rate limits and the login lockout key on one client address (certification.client_ip):
a forged X-Forwarded-For is ignored without trusted proxies, and behind N trusted proxies only
the entry the outermost one appended counts."""

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from certification.client_ip import client_ip
from tests import factories

FORGED = "203.0.113.66"


def request(remote: str = "10.0.0.5", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, None, "10.0.0.5"),
        (0, FORGED, "10.0.0.5"),
        (1, None, "10.0.0.5"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, f"{FORGED}, 198.51.100.7", "198.51.100.7"),
        (1, f"{FORGED},198.51.100.7 ", "198.51.100.7"),
        (2, f"{FORGED}, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.5"),
        (1, "not-an-address", "10.0.0.5"),
        (1, f"{FORGED}, 2001:db8::7", "2001:db8::7"),
        (1, "", "10.0.0.5"),
    ],
)
def test_it_reads_only_as_many_hops_as_are_trusted(settings, count, forwarded, expected):
    settings.KOMPETEN_TRUSTED_PROXY_COUNT = count
    assert client_ip(request(forwarded=forwarded)) == expected


def test_axes_and_the_rate_limits_use_it(settings):
    settings.KOMPETEN_TRUSTED_PROXY_COUNT = 1
    assert settings.AXES_CLIENT_IP_CALLABLE == "certification.client_ip.client_ip"
    assert get_client_ip_address(request(forwarded=f"{FORGED}, 198.51.100.7")) == "198.51.100.7"


def _fail_login(client, email: str, **extra):
    return client.post(reverse("login"), {"username": email, "password": "wrong"}, **extra)


@pytest.mark.django_db
def test_a_forged_header_does_not_change_the_lockout_address_without_proxies(client, settings):
    settings.KOMPETEN_TRUSTED_PROXY_COUNT = 0
    user = factories.UserFactory(email="xff0@example.test")
    _fail_login(client, user.email, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=FORGED)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.5"}


@pytest.mark.django_db
def test_behind_one_proxy_the_lockout_counts_the_address_the_proxy_saw(client, settings):
    settings.KOMPETEN_TRUSTED_PROXY_COUNT = 1
    user = factories.UserFactory(email="xff1@example.test")
    limit = settings.AXES_FAILURE_LIMIT
    # The attacker rotates a forged left-hand entry on every try; nginx appends the real address.
    for attempt in range(limit):
        _fail_login(
            client,
            user.email,
            REMOTE_ADDR="",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 198.51.100.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    locked = _fail_login(
        client, user.email, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7"
    )
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked out with it.
    other = _fail_login(client, user.email, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code != 429


@pytest.mark.django_db
@pytest.mark.parametrize("count", [0, 1])
def test_the_verification_limit_ignores_forged_entries(client, settings, count):
    settings.KOMPETEN_TRUSTED_PROXY_COUNT = count
    settings.KOMPETEN_VERIFY_RATE_LIMIT = 2
    url = reverse("certificate_search")
    statuses = [
        client.get(
            url,
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 198.51.100.7",
        ).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_behind_one_proxy_two_clients_have_their_own_verification_limit(client, settings):
    settings.KOMPETEN_TRUSTED_PROXY_COUNT = 1
    settings.KOMPETEN_VERIFY_RATE_LIMIT = 1
    url = reverse("certificate_search")
    first = client.get(url, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.7")
    second = client.get(url, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.8")
    again = client.get(url, REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)

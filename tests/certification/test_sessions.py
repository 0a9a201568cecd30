"""Sliding session expiry saved at most once per KOMPETEN_SESSION_REFRESH_SECONDS
(certification/sessions.py), and the Redis cache reusing one client per connection pool."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from certification import sessions

pytestmark = pytest.mark.django_db
PAGE = "/account/two-factor/"


def _row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


@pytest.fixture
def signed_in(client, candidate):
    client.force_login(candidate)
    return client


def test_requests_within_the_refresh_interval_do_not_write_the_session(signed_in):
    expiry = _row(signed_in).expire_date
    for _ in range(3):
        response = signed_in.get(PAGE)
        assert response.status_code == 200
        assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert _row(signed_in).expire_date == expiry


def test_a_request_after_the_interval_slides_the_expiry_and_resends_the_cookie(signed_in):
    session = signed_in.session
    session[sessions.REFRESHED_AT] -= settings.KOMPETEN_SESSION_REFRESH_SECONDS + 1
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=5)
    )

    response = signed_in.get(PAGE)

    assert response.status_code == 200
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == (
        settings.SESSION_COOKIE_AGE
    )
    remaining = _row(signed_in).expire_date - timezone.now()
    assert remaining > datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_an_idle_session_still_ends(signed_in):
    Session.objects.filter(session_key=signed_in.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = signed_in.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_an_anonymous_visit_creates_no_session(client):
    response = client.get("/login/")

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_an_unknown_session_cookie_is_not_turned_into_a_session(client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32

    response = client.get("/login/")

    assert response.status_code == 200
    assert not Session.objects.exists()


@pytest.mark.redis
def test_the_redis_cache_reuses_one_client_per_pool():
    from certification.cache import ResilientRedisCache

    backend = ResilientRedisCache(settings.REDIS_URL, {})
    backend.set("kompeten-test-client", 1, 5)
    client = backend._cache.get_client(write=True)

    assert backend.get("kompeten-test-client") == 1
    assert backend._cache.get_client() is client
    backend.delete("kompeten-test-client")


def test_a_refresh_interval_as_long_as_the_session_is_refused(settings):
    from certification.sessions import check_refresh_interval

    assert check_refresh_interval() == []
    settings.KOMPETEN_SESSION_REFRESH_SECONDS = settings.SESSION_COOKIE_AGE
    assert [error.id for error in check_refresh_interval()] == ["kompeten.E001"]

"""The Redis cache while Redis is stopped or hung: pages are served from the database, quickly.

Uses the fault tests' own redis-server (never the shared one) and the production cache backend,
certification.cache.ResilientRedisCache, in place of the test settings' local-memory cache."""

import time

import django.core.cache
import pytest

from certification import cache as resilient
from certification.views import verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def redis_cache(redis_server, monkeypatch):
    monkeypatch.setattr(resilient.ResilientRedisCache, "_down_until", 0.0)
    backend = resilient.ResilientRedisCache(
        redis_server.url, {"OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}
    )
    # LSP.load() (every page, through the context processor) imports django.core.cache.cache
    # when it runs: the first thing a dead cache would break.
    monkeypatch.setattr(django.core.cache, "cache", backend)
    yield backend
    if redis_server.process.poll() is not None:
        redis_server.start()


def test_it_caches_while_redis_answers(redis_cache):
    redis_cache.set("k", "v", 60)
    assert redis_cache.get("k") == "v"
    assert redis_cache.add("k", "other", 60) is False
    assert redis_cache.add("n", 1, 60) is True
    assert redis_cache.incr("n") == 2


def test_a_stopped_redis_is_a_miss_and_pages_still_work(
    client, redis_cache, redis_server, monkeypatch, rf
):
    redis_cache.set("k", "v", 60)
    redis_server.stop()
    started = time.monotonic()
    assert redis_cache.get("k", "default") == "default"
    # Nothing stored, so nothing "added": a once-only marker does not repeat its action...
    assert redis_cache.add("limit", 1, 60) is False
    # ...and the rate limits built on add and incr let requests through.
    monkeypatch.setattr(verify, "cache", redis_cache)
    assert not verify.rate_limited(rf.get("/verify/"), scope="verify", limit=1, period=60)
    assert redis_cache.set("k", "v", 60) is None
    response = client.get("/login/")
    assert response.status_code == 200
    assert time.monotonic() - started < 5


def test_a_hung_redis_costs_one_timeout_then_is_skipped(client, redis_cache, redis_server):
    redis_server.pause()
    try:
        started = time.monotonic()
        assert redis_cache.get("k") is None
        first = time.monotonic() - started
        assert first < 5  # one socket timeout (2 s), not a hang
        started = time.monotonic()
        for _ in range(5):
            assert client.get("/login/").status_code == 200
        assert time.monotonic() - started < 3  # the cache is skipped while Redis is down
    finally:
        redis_server.resume()


def test_it_uses_redis_again_after_the_pause(redis_cache, redis_server, monkeypatch):
    redis_server.stop()
    assert redis_cache.get("k") is None
    redis_server.start()
    monkeypatch.setattr(resilient.ResilientRedisCache, "_down_until", 0.0)  # 30 s later
    redis_cache.set("k", "v", 60)
    assert redis_cache.get("k") == "v"

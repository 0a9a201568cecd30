import socket
import threading
import time

import pytest
from django.db import OperationalError
from django.urls import reverse

from certification.views import health

pytestmark = pytest.mark.django_db


def _closed_port_url() -> str:
    # A port the kernel just handed out and that nothing listens on: connections are refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def without_redis(settings):
    settings.REDIS_URL = ""


def test_healthz_is_ok_without_login_when_redis_is_not_configured(client, without_redis):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    # Without Redis, tasks run in-process: there is no broker or worker to check.
    assert set(body["checks"]) == {"database", "cache", "storage"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["database"]["vendor"] in {"sqlite", "postgresql"}


def test_healthz_answers_503_with_the_error_when_the_database_fails(
    client, without_redis, monkeypatch
):
    def database_down():
        raise OperationalError(
            'connection to server at "db.internal" failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?"
        )

    monkeypatch.setattr(health, "check_database", database_down)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "status": "fail",
        "error": 'OperationalError: connection to server at "db.internal" failed: '
        "Connection refused",
    }
    assert body["checks"]["cache"]["status"] == "ok"
    assert "Traceback" not in response.content.decode()


def test_healthz_reports_redis_down_within_seconds(client, settings):
    dead = _closed_port_url()
    settings.REDIS_URL = dead
    settings.CELERY_BROKER_URL = dead
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }

    started = time.monotonic()
    response = client.get(reverse("healthz"))
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "fail"
    assert "Connection refused" in checks["redis"]["error"]
    assert checks["cache"]["status"] == "fail"
    assert checks["celery"]["status"] == "fail"
    assert checks["database"]["status"] == "ok"
    assert checks["storage"]["status"] == "ok"
    assert elapsed < health.DEADLINE_SECONDS


def test_healthz_does_not_wait_for_a_hanging_check(client, without_redis, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(health, "DEADLINE_SECONDS", 0.5)
    monkeypatch.setattr(health, "check_storage", lambda: release.wait(30) and {})

    try:
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        elapsed = time.monotonic() - started
    finally:
        release.set()

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["storage"] == {"status": "fail", "error": "no answer within 0.5s"}
    assert checks["database"]["status"] == "ok"
    assert elapsed < 2


def test_healthz_refuses_post(client, without_redis):
    response = client.post(reverse("healthz"))

    assert response.status_code == 405


@pytest.mark.redis
def test_healthz_checks_the_real_redis(client, settings, monkeypatch):
    # The production cache; tests otherwise use a per-process one (settings_test).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    # Workers answering the ping are tested with a real worker in test_worker.py; here no worker
    # runs, so the Celery check is replaced to isolate Redis and the Redis cache.
    monkeypatch.setattr(health, "check_celery", lambda: {"workers": 1})

    response = client.get(reverse("healthz"))

    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "ok"
    assert checks["cache"] == {"status": "ok", "ms": checks["cache"]["ms"], "backend": "RedisCache"}

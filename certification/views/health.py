"""GET /healthz: is this instance able to serve? For load balancers, uptime monitors and CI.

Hand-written rather than django-health-check 4.8: its JSON is a flat ``{"Database(alias=
'default')": "OK"}`` map, it answers 500 rather than 503 when a check fails, and its Celery check
cannot say how many workers answered. Wrapping it to get the shape below would take more code
than these five checks.

    {"status": "ok" | "fail",
     "checks": {"database": {"status": "ok", "ms": 2}, "cache": {...}, "storage": {...},
                "redis": {...}, "celery": {"status": "ok", "ms": 1004, "workers": 1}}}

``redis`` and ``celery`` appear only when REDIS_URL is set (without it tasks run in-process).
A failed check carries its error message, never a stack trace (that goes to the log).
"""

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, connections
from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# The whole answer comes within this budget: a monitor must learn "unhealthy", not time out.
DEADLINE_SECONDS = 4.0
NETWORK_TIMEOUT_SECONDS = 2.0
# How long workers get to answer the broadcast ping; the check always waits this long.
CELERY_PING_SECONDS = 1.0


class CheckFailed(Exception):
    """A check ran and found the service unhealthy; the message is shown as is."""


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    if row != (1,):
        raise CheckFailed(f"SELECT 1 returned {row!r}")
    return {"vendor": connection.vendor}


def check_cache() -> dict:
    cache = caches["default"]
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=30)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        raise CheckFailed("a value written to the cache could not be read back")
    return {"backend": type(cache).__name__}


def check_storage() -> dict:
    storage = storages["default"]
    name = storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with storage.open(name) as stored:
            content = stored.read()
    finally:
        storage.delete(name)
    if content != b"ok":
        raise CheckFailed("a file written to the storage could not be read back")
    return {"backend": type(storage).__name__}


def check_redis() -> dict:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=NETWORK_TIMEOUT_SECONDS,
        socket_timeout=NETWORK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()
    return {}


def check_celery() -> dict:
    from certification.celery import app

    # Connect first with a single attempt: ping() alone retries a dead broker for seconds.
    with app.connection_for_write(
        url=settings.CELERY_BROKER_URL, connect_timeout=NETWORK_TIMEOUT_SECONDS
    ) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=NETWORK_TIMEOUT_SECONDS
        )
        replies = app.control.ping(timeout=CELERY_PING_SECONDS, connection=conn)
    workers = {name for reply in replies for name in reply}
    if not workers:
        raise CheckFailed(f"no Celery worker answered within {CELERY_PING_SECONDS:g}s")
    return {"workers": len(workers)}


def _checks() -> dict[str, Callable[[], dict]]:
    # Looked up on each request so that tests can replace a check on this module.
    checks = {"database": check_database, "cache": check_cache, "storage": check_storage}
    if settings.REDIS_URL:
        checks |= {"redis": check_redis, "celery": check_celery}
    return checks


def _run(name: str, check: Callable[[], dict]) -> dict:
    started = time.monotonic()
    try:
        details = check()
    except Exception as exc:
        logger.warning("healthz: %s check failed", name, exc_info=True)
        message = (str(exc).strip().splitlines() or [""])[0][:300]
        return {"status": "fail", "error": f"{type(exc).__name__}: {message}".rstrip(": ")}
    finally:
        # Each check runs in a thread of its own: close the connection that thread opened.
        connections.close_all()
    return {"status": "ok", "ms": round((time.monotonic() - started) * 1000), **details}


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Run every check at once in threads, so that one hanging service cannot hang the answer."""
    checks = _checks()
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    futures = {name: executor.submit(_run, name, check) for name, check in checks.items()}
    wait(futures.values(), timeout=DEADLINE_SECONDS)
    # A stuck check keeps its thread until its own timeout fires; the answer does not wait.
    executor.shutdown(wait=False, cancel_futures=True)
    results = {
        name: future.result()
        if future.done()
        else {"status": "fail", "error": f"no answer within {DEADLINE_SECONDS:g}s"}
        for name, future in futures.items()
    }
    healthy = all(result["status"] == "ok" for result in results.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": results},
        status=200 if healthy else 503,
    )
    add_never_cache_headers(response)
    return response

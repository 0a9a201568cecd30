"""The Redis cache, made to degrade instead of failing pages while Redis is down or hung.

Kompeten keeps nothing in the cache that it cannot rebuild (the LSP record, rate-limit counters,
the health probe), so while Redis does not answer every read is a miss and every write is
dropped, and pages are served from the database. ``add`` answers False (nothing was stored, so
nothing "was added"): a once-only marker built on it (the licence warnings of the day) skips
instead of repeating its mails on every run, while the rate limits still let requests through,
because ``incr`` then answers 1, the first request of a window.
After one failure the cache skips Redis for ``RETRY_AFTER`` seconds, so a hung Redis costs one
socket timeout per process and pause, not one per cache call. /healthz still reports Redis down
(it checks Redis itself).
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 30.0


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every cache call, and each one fills a
    table of about 170 response callbacks: 0.2 ms per call, several calls per page. A client is
    thread-safe and holds only its connection pool, so one per pool serves every call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class ResilientRedisCache(RedisCache):
    _down_until = 0.0  # per process; shared by every instance of this backend

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _call(self, method: str, fallback, *args, **kwargs):
        if time.monotonic() < ResilientRedisCache._down_until:
            return fallback
        try:
            return getattr(super(), method)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            ResilientRedisCache._down_until = time.monotonic() + RETRY_AFTER
            logger.warning("Cache unavailable, serving without it for %ss: %s", RETRY_AFTER, exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        # 1: the first request of a new window, as if the counter had just been created.
        return self._call("incr", 1, key, delta, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", None)

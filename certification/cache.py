"""The Redis cache, made to degrade instead of failing pages while Redis is down or hung.

Kompeten keeps nothing in the cache that it cannot rebuild (the LSP record, rate-limit counters,
the health probe), so while Redis does not answer every read is a miss and every write is
dropped, and pages are served from the database. ``add`` answers True (the key "was added"): the
rate limits built on it let requests through during the outage instead of refusing everyone.
After one failure the cache skips Redis for ``RETRY_AFTER`` seconds, so a hung Redis costs one
socket timeout per process and pause, not one per cache call. /healthz still reports Redis down
(it checks Redis itself).
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 30.0


class ResilientRedisCache(RedisCache):
    _down_until = 0.0  # per process; shared by every instance of this backend

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
        return self._call("add", True, key, value, timeout, version)

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

"""The shared cache: Django's Redis backend, keeping its Redis client.

Django's backend builds a new ``redis.Redis`` for every cache call (its
constructor fills a table of about 170 response callbacks); every request
makes a few cache calls (the published strings' version, the configuration
generation, throttles). A ``redis.Redis`` on a connection pool is
thread-safe, so one per pool does the same work. The connections themselves
were already shared through the pool.

:func:`shared_redis` hands out that client for the commands the cache API
does not have (a list the search query log waits in).

Every request reads a few keys that the cache API would ask for one by one
(a round trip each): :func:`read_with_every_request` lists them, and the
:func:`keys_read_together` middleware reads them in one ``get_many`` at the
start of the request, for :func:`read_for_request` to answer from.

The portal can lose its cache: where Redis is unreachable, a read finds
nothing and a write is dropped (both logged), so pages are read from the
database while the health check reports the outage (each process logs the
first failure, then a line a minute with the count). Wagtail itself reads
its sites' root paths from the cache on every page.
"""

import logging
import time
from contextvars import ContextVar

import redis
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

logger = logging.getLogger(__name__)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    """Django's ``RedisCache`` with one client per connection pool, which
    answers as an empty cache that keeps nothing where Redis is unreachable
    (logged). Counting (``incr``, ``decr``) has no such answer and raises."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def redis(self) -> redis.Redis:
        """The client the cache writes with."""
        return self._cache.get_client(write=True)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except redis.RedisError as error:
            _unreachable("read", key, error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except redis.RedisError as error:
            _unreachable("read", keys, error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except redis.RedisError as error:
            _unreachable("read", key, error)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except redis.RedisError as error:
            _unreachable("kept", key, error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except redis.RedisError as error:
            _unreachable("kept", key, error)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except redis.RedisError as error:
            _unreachable("kept", list(data), error)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except redis.RedisError as error:
            _unreachable("kept", key, error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except redis.RedisError as error:
            _unreachable("dropped", key, error)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except redis.RedisError as error:
            _unreachable("dropped", keys, error)


#: during an outage every request makes several cache calls: a process logs
#: the first failure, then one line per this many seconds with their count
UNREACHABLE_LOG_INTERVAL = 60.0


class _OutageLog:
    """When this process last logged an unreachable cache, and the failures since."""

    logged_at = float("-inf")
    failed_since = 0


def _unreachable(what: str, keys, error: redis.RedisError) -> None:
    now = time.monotonic()
    if now - _OutageLog.logged_at < UNREACHABLE_LOG_INTERVAL:
        _OutageLog.failed_since += 1
        return
    logger.warning(
        "The shared cache is unreachable (%s): %s not %s; %d more cache calls failed since the last such line",
        error,
        keys,
        what,
        _OutageLog.failed_since,
    )
    _OutageLog.logged_at, _OutageLog.failed_since = now, 0


def shared_redis() -> redis.Redis | None:
    """The shared cache's Redis client; None where the cache is not Redis
    (the embedded default without REDIS_URL keeps its cache in the process)."""
    cache = caches["default"]
    return cache.redis() if isinstance(cache, RedisCache) else None


#: the keys every request reads (see read_with_every_request)
_KEYS_READ_WITH_EVERY_REQUEST: list[str] = []
#: their values as the current request's one read found them (None: outside a request)
_read_for_request: ContextVar[dict | None] = ContextVar("keys_read_together", default=None)


def read_with_every_request(key: str) -> None:
    """Have every request read ``key`` of the default cache together with
    the others listed (call when the module that reads it is imported)."""
    if key not in _KEYS_READ_WITH_EVERY_REQUEST:
        _KEYS_READ_WITH_EVERY_REQUEST.append(key)


def read_for_request(key: str):
    """The value of ``key`` the current request read at its start, or None:
    not listed, not set in the cache, the cache unreadable, or no request
    (the caller then reads it, and handles its errors, as before)."""
    values = _read_for_request.get()
    return None if values is None else values.get(key)


def keys_read_together(get_response):
    """Middleware: one read of the keys every request reads (before the
    middleware that reads them)."""

    def middleware(request):
        values = default_cache.get_many(_KEYS_READ_WITH_EVERY_REQUEST)
        token = _read_for_request.set(values)
        try:
            return get_response(request)
        finally:
            _read_for_request.reset(token)

    return middleware

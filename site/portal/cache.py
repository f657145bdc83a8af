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
"""

import logging
from contextvars import ContextVar

import redis
from django.core.cache import cache as default_cache
from django.core.cache import caches
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
    """Django's ``RedisCache`` with one client per connection pool."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def redis(self) -> redis.Redis:
        """The client the cache writes with."""
        return self._cache.get_client(write=True)


def shared_redis() -> redis.Redis | None:
    """The shared cache's Redis client; None where the cache is not Redis
    (the embedded default without REDIS_URL keeps its cache in the process)."""
    cache = caches["default"]
    return cache.redis() if isinstance(cache, RedisCache) else None


def kept_or_none(key: str):
    """``key``'s value in the shared cache, or None: not there, or the cache
    unreachable (logged). For answers the caller can find again."""
    try:
        return default_cache.get(key)
    except redis.RedisError:
        logger.warning("The shared cache is unreachable: %s not read", key, exc_info=True)
        return None


def keep_if_reachable(key: str, value, timeout: float) -> None:
    """Set ``key`` in the shared cache; where it is unreachable, log and go on
    (for answers the portal's other processes can find again)."""
    try:
        default_cache.set(key, value, timeout=timeout)
    except redis.RedisError:
        logger.warning("The shared cache is unreachable: %s not kept", key, exc_info=True)


def drop_if_reachable(key: str) -> None:
    """Delete ``key`` from the shared cache; where it is unreachable, log and go on."""
    try:
        default_cache.delete(key)
    except redis.RedisError:
        logger.warning("The shared cache is unreachable: %s not dropped", key, exc_info=True)


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
        try:
            values = default_cache.get_many(_KEYS_READ_WITH_EVERY_REQUEST)
        except redis.RedisError:
            values = None
        token = _read_for_request.set(values)
        try:
            return get_response(request)
        finally:
            _read_for_request.reset(token)

    return middleware

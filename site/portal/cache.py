"""The shared cache: Django's Redis backend, keeping its Redis client.

Django's backend builds a new ``redis.Redis`` for every cache call (its
constructor fills a table of about 170 response callbacks); every request
makes a few cache calls (the published strings' version, the configuration
generation, throttles). A ``redis.Redis`` on a connection pool is
thread-safe, so one per pool does the same work. The connections themselves
were already shared through the pool.

:func:`shared_redis` hands out that client for the commands the cache API
does not have (a list the search query log waits in).
"""

import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


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

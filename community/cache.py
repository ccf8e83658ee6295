"""Django's Redis cache with one connection pool per process, not per request.

Django keeps a cache object per thread context (``asgiref.local.Local``). Under ASGI
every request runs in a context of its own, so each request built a new
``RedisCacheClient``, whose new pool opened a new connection (and redis-py read
package metadata on each connect): 89–101 connections per 100 requests under daphne,
about a sixth of a worker's time. Here every cache object of a process with the same
servers and options shares one client, and so one pool; redis-py's pool is
thread-safe and resets itself in a forked child.

Use it in place of ``django.core.cache.backends.redis.RedisCache``::

    CACHES = {"default": {"BACKEND": "community.cache.PooledRedisCache", ...}}
"""

import threading

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

_clients: dict = {}
_lock = threading.Lock()


class PooledRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

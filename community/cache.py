"""Django's Redis cache with one connection pool per process, not per request.

Django keeps a cache object per thread context (``asgiref.local.Local``). Under ASGI
every request runs in a context of its own, so each request built a new
``RedisCacheClient``, whose new pool opened a new connection (and redis-py read
package metadata on each connect): 89–101 connections per 100 requests under daphne,
about a sixth of a worker's time. Here every cache object of a process with the same
servers and options shares one client, and so one pool; redis-py's pool is
thread-safe and resets itself in a forked child.

It also fails soft, as django-redis's ``IGNORE_EXCEPTIONS`` does: while Redis cannot be
reached, a read is a miss and a write is skipped (logged, once a minute at most), so
pages are rendered afresh instead of failing. What the cache keeps then lives at most
its timeout once Redis is back (kept memberships: five minutes).

Use it in place of ``django.core.cache.backends.redis.RedisCache``::

    CACHES = {"default": {"BACKEND": "community.cache.PooledRedisCache", ...}}
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict = {}
_lock = threading.Lock()
logger = logging.getLogger(__name__)
_last_warning = [0.0]


def _unreachable(error: Exception) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= 60:
        _last_warning[0] = now
        logger.warning("Cache unreachable, serving without it: %s", error)


def _soft(default):
    def decorate(method):
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            import redis

            try:
                return method(self, *args, **kwargs)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                _unreachable(error)
                return default(*args) if callable(default) else default

        return wrapped

    return decorate


class FailSoftRedisCacheClient(RedisCacheClient):
    """Reads miss and writes are skipped while Redis is unreachable. ``incr`` still
    raises: a counter that cannot count must say so.

    One ``redis.Redis`` per connection pool, too: Django builds a new one for every
    cache call, and each copies redis-py's table of ~170 response callbacks, about a
    twentieth of a signed-in page's time for its eight or nine cache reads. A client is
    only a pool and that table, and is thread-safe like its pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._redis_clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._redis_clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = self._redis_clients[id(pool)] = self._client(connection_pool=pool)
        return client

    get = _soft(lambda key, default: default)(RedisCacheClient.get)
    get_many = _soft(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _soft(False)(RedisCacheClient.has_key)
    add = _soft(False)(RedisCacheClient.add)
    set = _soft(None)(RedisCacheClient.set)
    set_many = _soft(None)(RedisCacheClient.set_many)
    touch = _soft(False)(RedisCacheClient.touch)
    delete = _soft(False)(RedisCacheClient.delete)
    delete_many = _soft(None)(RedisCacheClient.delete_many)


class PooledRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient
        # A Redis that hangs must not hang every page: give up within a second.
        self._options = {
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            **self._options,
        }

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

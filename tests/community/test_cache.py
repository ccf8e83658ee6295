"""The Redis cache keeps one connection pool per process, whatever the request context.

Under ASGI each request runs in its own context, and Django keeps a cache object per
context: with Django's own Redis backend that meant a new connection per request."""

import asyncio
import os

import pytest
import redis
from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.test import override_settings

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI's pass)")
REQUESTS = 40


def _connections_opened(backend: str) -> int:
    """Connections the Redis server accepted while ``REQUESTS`` requests each read
    the cache, run as Django's ASGI handler runs a sync view: each request is a task
    of its own (a copy of the server's context) calling the view through
    ``sync_to_async``."""
    server = redis.Redis.from_url(REDIS_URL)
    setting = {
        "default": {"BACKEND": backend, "LOCATION": REDIS_URL, "KEY_PREFIX": "t"}
    }

    @sync_to_async
    def view():
        return caches["default"].get("anything")

    async def serve(requests: int) -> None:
        for _ in range(requests):
            await asyncio.create_task(view())

    with override_settings(CACHES=setting):
        asyncio.run(serve(1))  # the first opens the process's pool
        before = server.info("stats")["total_connections_received"]
        asyncio.run(serve(REQUESTS))
        after = server.info("stats")["total_connections_received"]
    server.close()
    return after - before


def test_requests_share_one_pool():
    assert _connections_opened("community.cache.PooledRedisCache") <= 1


def test_djangos_own_backend_opens_one_per_request():
    """What the shared pool fixes, so the test above cannot pass by accident."""
    assert _connections_opened("django.core.cache.backends.redis.RedisCache") >= (
        REQUESTS * 3 // 4
    )

"""The Redis cache keeps one connection pool per process, whatever the request context.

Under ASGI each request runs in its own context, and Django keeps a cache object per
context: with Django's own Redis backend that meant a new connection per request."""

import asyncio
import shutil
import subprocess
import time

import pytest
import redis
from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.test import override_settings

from tests.servers import free_port

REQUESTS = 40


def _connections_opened(backend: str, url: str) -> int:
    """Connections the Redis server at ``url`` accepted while ``REQUESTS`` requests
    each read the cache, run as Django's ASGI handler runs a sync view: each request
    is a task of its own (a copy of the server's context) calling the view through
    ``sync_to_async``. The server is the test's own: another worker's connections
    to a shared one would count too."""
    server = redis.Redis.from_url(url)
    setting = {"default": {"BACKEND": backend, "LOCATION": url, "KEY_PREFIX": "t"}}

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


def test_requests_share_one_pool(own_redis):
    assert (
        _connections_opened("community.cache.PooledRedisCache", own_redis["url"]) <= 1
    )


def test_djangos_own_backend_opens_one_per_request(own_redis):
    """What the shared pool fixes, so the test above cannot pass by accident."""
    opened = _connections_opened(
        "django.core.cache.backends.redis.RedisCache", own_redis["url"]
    )
    assert opened >= REQUESTS * 3 // 4


def test_cache_calls_share_one_redis_client(own_redis):
    """Django builds a ``redis.Redis`` for every cache call; the pooled backend keeps
    one per pool, and a call still reaches the server."""
    with override_settings(CACHES=_pooled_on(own_redis)):
        client = caches["default"]._cache
        first = client.get_client("k", write=True)
        assert client.get_client("k", write=True) is first
        assert client.get_client("k") is client.get_client("other")
        caches["default"].set("k", 3)
        assert caches["default"].get("k") == 3


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, to stop and start again."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    port = free_port()
    command = ["redis-server", "--bind", "127.0.0.1", "--port", str(port)]
    command += ["--save", "", "--appendonly", "no"]

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                return process
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    server = {"process": start(), "url": f"redis://127.0.0.1:{port}/0"}

    def restart():
        server["process"].terminate()
        server["process"].wait(timeout=10)
        server["process"] = start()

    def stop():
        server["process"].terminate()
        server["process"].wait(timeout=10)

    def start_again():
        server["process"] = start()

    server["restart"] = restart
    server["stop"] = stop
    server["start"] = start_again
    yield server
    server["process"].terminate()
    server["process"].wait(timeout=10)


def _pooled_on(own_redis) -> dict:
    """The site's cache backend, on this test's own Redis."""
    return {
        "default": {
            "BACKEND": "community.cache.PooledRedisCache",
            "LOCATION": own_redis["url"],
            "KEY_PREFIX": "t",
        }
    }


def test_the_shared_pool_recovers_when_redis_restarts(own_redis):
    """Redis restarted under a running worker: the next cache call after the restart
    works, with no worker restart (redis-py drops the dead connection and opens a new
    one)."""
    with override_settings(CACHES=_pooled_on(own_redis)):
        cache = caches["default"]
        cache.set("k", 1)
        assert cache.get("k") == 1
        own_redis["restart"]()
        # The pooled connection died with the server; the call reconnects.
        assert cache.get("k") is None  # nothing kept on disk
        cache.set("k", 2)
        assert caches["default"].get("k") == 2


def test_pages_are_served_while_redis_is_down(own_redis, client, practitioner):
    """Redis gone: reads miss, writes are skipped, and every page is rendered afresh
    for visitors and members alike; once it is back, the cache is used again."""
    with override_settings(CACHES=_pooled_on(own_redis)):
        cache = caches["default"]
        own_redis["stop"]()
        assert cache.get("k", "missing") == "missing"
        assert cache.get_many(["k"]) == {}
        assert cache.add("k", 1) is False
        cache.set("k", 1)
        cache.set_many({"k": 1})
        cache.delete("k")
        assert client.get("/").status_code == 200
        client.force_login(practitioner)
        assert client.get("/").status_code == 200
        with pytest.raises(redis.ConnectionError):
            cache.incr("k")  # a counter that cannot count says so
        own_redis["start"]()
        cache.set("k", 2)
        assert cache.get("k") == 2

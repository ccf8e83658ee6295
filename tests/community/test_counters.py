"""Shared counters: one Redis round trip per bump, the same answers as any cache."""

import os

import pytest
from django.core.cache import caches
from django.test import override_settings

from community.counters import bump

REDIS_URL = os.environ.get("REDIS_URL")
BACKENDS = [
    pytest.param(
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, id="locmem"
    ),
    pytest.param(
        {
            "BACKEND": "community.cache.PooledRedisCache",
            "LOCATION": REDIS_URL,
        },
        id="redis",
        marks=pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (CI's pass)"),
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_bump_counts_floors_at_zero_and_expires(backend, settings):
    if "LOCATION" in backend:
        # This worker's own Redis database: the REDIS_URL's is also the first
        # worker's, whose cache.clear() could empty it under the test.
        backend = {**backend, "LOCATION": settings.CACHES["default"]["LOCATION"]}
    with override_settings(CACHES={"default": {**backend, "KEY_PREFIX": "t-counters"}}):
        cache = caches["default"]
        cache.delete("c")
        assert bump("c", timeout=60) == 1
        assert bump("c", 2, timeout=60) == 3
        assert cache.get("c") == 3  # what the rate limiter reads
        assert bump("c", -5, timeout=60) == 0
        assert cache.get("c") == 0
        if "redis" in backend["BACKEND"]:
            client = cache._cache.get_client("c")
            ttl = client.ttl(cache.make_and_validate_key("c"))
            assert 0 < ttl <= 60  # set once, not moved by later bumps
        cache.delete("c")

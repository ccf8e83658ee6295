"""Shared counters in the cache (Redis across workers when REDIS_URL is set)."""

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache


def bump(key: str, delta: int = 1, *, timeout: int | None) -> int:
    """Add ``delta`` to the counter at ``key`` and return it, never below zero.

    Creates the counter when missing, and copes with it expiring between the two steps.
    On Redis it is one round trip (INCRBY, then EXPIRE only where no expiry is set);
    other caches take Django's add-then-incr.
    """
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        count = _bump_redis(backend, key, delta, timeout)
    else:
        cache.add(key, 0, timeout=timeout)
        try:
            count = cache.incr(key, delta)
        except ValueError:  # expired between add and incr
            count = max(delta, 0)
            cache.set(key, count, timeout=timeout)
    if count < 0:
        count = 0
        cache.set(key, count, timeout=timeout)
    return count


def _bump_redis(backend: RedisCache, key: str, delta: int, timeout: int | None) -> int:
    # Django's Redis cache stores integers as plain Redis integers, so INCRBY counts
    # the same value ``cache.get`` reads.
    full_key = backend.make_and_validate_key(key)
    pipe = backend._cache.get_client(full_key, write=True).pipeline(transaction=False)
    pipe.incrby(full_key, delta)
    if timeout is not None:
        pipe.expire(full_key, int(timeout), nx=True)
    return int(pipe.execute()[0])

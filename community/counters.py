"""Shared counters in the cache (Redis across workers when REDIS_URL is set)."""

from django.core.cache import cache


def bump(key: str, delta: int = 1, *, timeout: int | None) -> int:
    """Add ``delta`` to the counter at ``key`` and return it, never below zero.

    Creates the counter when missing, and copes with it expiring between the two steps.
    """
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

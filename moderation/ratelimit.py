"""Per-user and per-IP rate limits in the shared cache (Redis when REDIS_URL is set)."""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _

from community.adapters import client_ip  # noqa: F401  (the limits' name for it)
from community.counters import bump

from .conf import setting


@dataclass
class RateLimited(Exception):
    action: str
    retry_after: int

    @property
    def message(self) -> str:
        return _(
            "You are posting faster than this space allows. Please wait %(seconds)s "
            "seconds and try again; nothing you typed is lost."
        ) % {"seconds": self.retry_after}

    def __str__(self) -> str:
        return self.message


def parse(spec: str) -> tuple[int, int]:
    count, seconds = spec.split("/")
    return int(count), int(seconds)


def _count(key: str, seconds: int, now: float) -> int:
    return bump(f"rl:{key}:{int(now // seconds)}", timeout=seconds + 1)


def _keys(action, user, ip, spec):
    """(key, limit) pairs for this action, the window's length and the time now."""
    spec = spec or setting("RATE_LIMITS").get(action)
    if not spec:
        return [], 1, 0.0
    count, seconds = parse(spec)
    now = time.time()
    keys = []
    user_pk = getattr(user, "pk", None)
    if user_pk is not None:
        keys.append((f"{action}:u:{user_pk}", count))
    if ip:
        keys.append((f"{action}:ip:{ip}", count * setting("IP_RATE_LIMIT_FACTOR")))
    return keys, seconds, now


def _retry_after(seconds: int, now: float) -> int:
    # An upper bound: after waiting this long the window has turned.
    return max(1, math.ceil(seconds - (now % seconds)))


def hit(
    action: str, *, user=None, ip: str | None = None, spec: str | None = None
) -> None:
    """Count one ``action``; raise :class:`RateLimited` when a limit is passed."""
    keys, seconds, now = _keys(action, user, ip, spec)
    for key, limit in keys:
        if _count(key, seconds, now) > limit:
            raise RateLimited(action, _retry_after(seconds, now))


def check(
    action: str, *, user=None, ip: str | None = None, spec: str | None = None
) -> None:
    """Raise :class:`RateLimited` if one more ``action`` would pass a limit, without
    counting it: with :func:`record` after the write, only what was stored counts."""
    keys, seconds, now = _keys(action, user, ip, spec)
    window = int(now // seconds)
    counts = cache.get_many([f"rl:{key}:{window}" for key, _limit in keys])
    for key, limit in keys:
        if int(counts.get(f"rl:{key}:{window}") or 0) >= limit:
            raise RateLimited(action, _retry_after(seconds, now))


def record(
    action: str, *, user=None, ip: str | None = None, spec: str | None = None
) -> None:
    """Count one ``action`` that happened (see :func:`check`)."""
    keys, seconds, now = _keys(action, user, ip, spec)
    for key, _limit in keys:
        _count(key, seconds, now)

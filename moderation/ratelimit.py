"""Per-user and per-IP rate limits in the shared cache (Redis when REDIS_URL is set)."""

import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

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


def hit(
    action: str, *, user=None, ip: str | None = None, spec: str | None = None
) -> None:
    """Count one ``action``; raise :class:`RateLimited` when a limit is passed."""
    limits = setting("RATE_LIMITS")
    spec = spec or limits.get(action)
    if not spec:
        return
    count, seconds = parse(spec)
    now = time.time()
    retry_after = max(1, int(seconds - (now % seconds)))
    user_pk = getattr(user, "pk", None)
    if user_pk is not None and _count(f"{action}:u:{user_pk}", seconds, now) > count:
        raise RateLimited(action, retry_after)
    if ip:
        factor = setting("IP_RATE_LIMIT_FACTOR")
        if _count(f"{action}:ip:{ip}", seconds, now) > count * factor:
            raise RateLimited(action, retry_after)


def client_ip(request) -> str | None:
    """The address the request came from (the proxy's, unless it is trusted)."""
    return request.META.get("REMOTE_ADDR")

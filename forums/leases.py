"""Socket counts and presence that heal by themselves when a worker dies.

A count kept by "+1 on connect, -1 on disconnect" leaks whenever a worker is killed:
``disconnect()`` never runs, and after a few crashes every member is "at their limit"
and the room reports people who left long ago. Instead each worker *leases* what it
holds: every watch tick (``FORUMS["CHAT_WATCH_SECONDS"]``) it writes how many sockets
it has per member, per visitor address and per room into one cache key that expires
after three ticks. A count is this worker's live sockets plus the other workers'
unexpired leases, so a dead worker's sockets vanish from every count within seconds.

Presence is read from the same leases on the same timer, so it moves in steps every
few seconds, never at the moment one socket closes (a moderator's action cannot be
watched in the count).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter

from django.core.cache import cache

from .conf import setting

# One id per worker process, new at every start: a restarted worker never renews its
# predecessor's lease.
WORKER = uuid.uuid4().hex
_REGISTRY = "chat:workers"
_LEASE = "chat:lease:{}"


def lease_seconds() -> float:
    return 3 * float(setting("CHAT_WATCH_SECONDS")) + 2


def publish(*, members: Counter, visitors: Counter, rooms: Counter) -> None:
    """Renew this worker's lease (called by the watch, every tick)."""
    ttl = lease_seconds()
    cache.set(
        _LEASE.format(WORKER),
        {"m": dict(members), "v": dict(visitors), "r": dict(rooms)},
        timeout=ttl,
    )
    now = time.time()
    registry = cache.get(_REGISTRY) or {}
    if WORKER not in registry or now - registry[WORKER] > ttl / 3:
        # Two workers writing at once may drop one entry for a tick; the next tick
        # puts it back.
        registry = {w: t for w, t in registry.items() if now - t < ttl}
        registry[WORKER] = now
        cache.set(_REGISTRY, registry, timeout=None)


def withdraw() -> None:
    """A worker that stops cleanly gives its lease back at once."""
    cache.delete(_LEASE.format(WORKER))


def others() -> list[dict]:
    """The unexpired leases of the other workers."""
    registry = cache.get(_REGISTRY) or {}
    keys = [_LEASE.format(w) for w in registry if w != WORKER]
    if not keys:
        return []
    return [lease for lease in cache.get_many(keys).values() if lease]


def everyone() -> list[dict]:
    """Every unexpired lease, this worker's included."""
    registry = cache.get(_REGISTRY) or {}
    keys = [_LEASE.format(w) for w in registry]
    if not keys:
        return []
    return [lease for lease in cache.get_many(keys).values() if lease]


def member_sockets(user_id: int, leases: list[dict]) -> int:
    return sum(lease["m"].get(user_id, 0) for lease in leases)


def visitor_sockets(address: str, leases: list[dict]) -> int:
    return sum(lease["v"].get(address, 0) for lease in leases)


def room_presence(room_id: int, leases: list[dict]) -> int:
    return sum(lease["r"].get(room_id, 0) for lease in leases)

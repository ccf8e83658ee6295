"""Run one action from several threads at once, as two workers would on a double tap."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(action: Callable[[], object], refused: type[Exception], times: int = 4):
    """``action`` from ``times`` threads released together; returns "counted" for each
    that succeeded and "already" for each refused with ``refused``, sorted."""
    from django.db import connections

    start = threading.Barrier(times)
    results: list[str] = []

    def tap():
        try:
            start.wait(5)
            action()
            results.append("counted")
        except refused:
            results.append("already")
        finally:
            connections.close_all()

    taps = [threading.Thread(target=tap) for _ in range(times)]
    for t in taps:
        t.start()
    for t in taps:
        t.join(15)
    return sorted(results)

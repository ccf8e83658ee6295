"""The generations the forums' kept visitor pages depend on (``community.pagecache``).

A thread page depends on its thread (its posts, their text, state and reaction
counts, its tags, its answer) and on what shows on many pages at once (names,
organisations, whether a space is open). ``forums.signals`` renews them on every
save, at once and again at commit, which covers the ``update()`` calls made in the
same transaction (hiding a thread with its first post, a moderator's delete); only
the reaction counters, written outside one, renew explicitly.
"""

from __future__ import annotations

from community import pagecache

EVERYTHING = "forums"


def thread_names(thread_id: int) -> list[str]:
    return [EVERYTHING, f"forums:thread:{thread_id}"]


def thread_generations(request, pk: int, *args, **kwargs) -> list[str]:
    """For ``for_visitors`` on the thread view."""
    return thread_names(pk)


def thread_changed(thread_id) -> None:
    if thread_id:
        pagecache.changed(f"forums:thread:{thread_id}")

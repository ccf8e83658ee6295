"""Reads the views share: each returns what a page needs in a fixed number of queries."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from community import pagecache

from . import pages
from .conf import setting
from .models import (
    Follow,
    Notification,
    Post,
    Reaction,
    Space,
    Thread,
    ThreadRead,
)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def unread_notification_count(user) -> int:
    if not _signed_in(user):
        return 0
    count = Notification.objects.filter(
        user=user,
        read_at__isnull=True,
        thread__in=Thread.objects.visible_to(user).values("pk"),
    ).count()
    cache.set(_bell_key(user.pk), count, timeout=setting("BELL_CACHE_SECONDS"))
    return count


def _bell_key(user_id: int) -> str:
    return f"forums:bell:{user_id}"


def bell_count(request) -> int:
    """The bell's unread count for the site's navigation on every page.

    Kept, not counted per request: every page reads the cached count and counts (one
    query) only when the cache has none. What changes the count drops it: a new
    notification, marking read, and a change to the member's memberships or account
    (``forums.signals``), which can hide threads. A space or thread hidden from them
    is counted out within ``BELL_CACHE_SECONDS``; the notification list itself always
    filters by what the member may see. Visitors cost nothing.
    """
    user = getattr(request, "user", None)
    if not _signed_in(user):
        return 0
    counted = getattr(request, "_forums_bell_count", None)
    if counted is not None:
        return counted
    cached = cache.get(_bell_key(user.pk))
    if cached is None:
        cached = unread_notification_count(user)
    request._forums_bell_count = cached
    return cached


def bell_forget(user_id: int) -> None:
    """Drop a member's cached count: now, and again when the transaction commits
    (a page counting in between would otherwise keep a stale number)."""
    key = _bell_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def unread_threads_by_space(user) -> dict[int, int]:
    """How many threads per space have posts the member has not read (one query).
    Threads last active before the member joined count as read."""
    if not _signed_in(user):
        return {}
    last_read = ThreadRead.objects.filter(user=user, thread=OuterRef("pk")).values(
        "last_read_number"
    )[:1]
    rows = (
        Thread.objects.visible_to(user)
        .filter(last_activity_at__gt=user.date_joined)
        .annotate(read=Subquery(last_read))
        .filter(Q(read__isnull=True) | Q(read__lt=F("post_count")))
        .values("space_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["space_id"]: row["n"] for row in rows}


def followed_space_ids(user) -> set[int]:
    if not _signed_in(user):
        return set()
    return set(
        Follow.objects.filter(user=user, space__isnull=False).values_list(
            "space_id", flat=True
        )
    )


def thread_list(space: Space):
    return (
        Thread.objects.filter(space=space, deleted_at__isnull=True, hidden=False)
        .select_related("author__profile", "last_post__author__profile")
        .prefetch_related("tags")
        .listed()
    )


def annotate_unread(user, threads: list[Thread]) -> None:
    """Set ``thread.unread`` (posts not yet read) and ``thread.first_unread``."""
    reads: dict[int, int] = {}
    if _signed_in(user) and threads:
        reads = dict(
            ThreadRead.objects.filter(
                user=user, thread_id__in=[t.pk for t in threads]
            ).values_list("thread_id", "last_read_number")
        )
    for thread in threads:
        last = reads.get(thread.pk)
        if not _signed_in(user):
            thread.unread = 0
        elif last is None:
            thread.unread = (
                thread.post_count if thread.last_activity_at > user.date_joined else 0
            )
        else:
            thread.unread = max(0, thread.post_count - last)
        thread.last_read = last or 0


def thread_page_posts(thread: Thread, page: int) -> list[Post]:
    per_page = setting("POSTS_PER_PAGE")
    first = (page - 1) * per_page + 1
    posts = list(
        Post.objects.filter(
            thread=thread, number__gte=first, number__lt=first + per_page
        )
        .select_related("author__profile")
        .order_by("number")
    )
    for post in posts:
        post.thread = thread  # permission checks read it; no query per post
    return posts


def my_reactions(user, thread: Thread, posts: list[Post]) -> dict[int, set[str]]:
    """What the member gave each of ``posts`` of ``thread``, from their kept
    reactions in that thread (every page of it asks; only ``reaction_toggle``
    changes them, and a reaction saved or deleted drops them)."""
    if not _signed_in(user) or not posts:
        return {}
    key = _reactions_key(user.pk, thread.pk)
    rows = cache.get(key)
    if rows is None:
        rows = list(
            Reaction.objects.filter(user=user, post__thread=thread).values_list(
                "post_id", "kind"
            )
        )
        cache.set(key, rows, setting("FRAGMENT_CACHE_SECONDS"))
    wanted = {p.pk for p in posts}
    mine: dict[int, set[str]] = {}
    for post_id, kind in rows:
        if post_id in wanted:
            mine.setdefault(post_id, set()).add(kind)
    return mine


def thread_tags(thread: Thread) -> list:
    """The thread's tags, kept under its generations (``forums.pages``): every
    page of it shows them, and a retag, a rename or a merge renews them."""
    return pagecache.kept(
        f"forums:tags:{thread.pk}",
        pages.thread_names(thread.pk),
        lambda: list(thread.tags.all()),
    )


def _reactions_key(user_id: int, thread_id: int) -> str:
    return f"forums:mine:{user_id}:{thread_id}"


def reactions_forget(user_id: int, thread_id: int) -> None:
    """Drop a member's kept reactions in a thread: now, and again at commit."""
    key = _reactions_key(user_id, thread_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def with_reader_state(threads, user):
    """``threads`` annotated with the member's last read number and whether they
    follow each (what :func:`last_read_number` and :func:`is_following` then read
    without a query); unchanged for visitors."""
    if not _signed_in(user):
        return threads
    return threads.annotate(
        reader_last_read=Subquery(
            ThreadRead.objects.filter(user=user, thread=OuterRef("pk")).values(
                "last_read_number"
            )[:1]
        ),
        reader_follows=Exists(Follow.objects.filter(user=user, thread=OuterRef("pk"))),
    )


def last_read_number(user, thread: Thread) -> int | None:
    if not _signed_in(user):
        return None
    if hasattr(thread, "reader_last_read"):
        return thread.reader_last_read
    return (
        ThreadRead.objects.filter(user=user, thread=thread)
        .values_list("last_read_number", flat=True)
        .first()
    )


def space_following(user, space: Space) -> tuple[bool, bool]:
    """(follows the space, and asked for its every post by email), in one query."""
    if not _signed_in(user):
        return False, False
    every = (
        Follow.objects.filter(user=user, space=space)
        .values_list("every_post", flat=True)
        .first()
    )
    return every is not None, bool(every)


def is_following(user, *, thread: Thread | None = None, space: Space | None = None):
    if not _signed_in(user):
        return False
    if thread is not None:
        if hasattr(thread, "reader_follows"):
            return thread.reader_follows
        return Follow.objects.filter(user=user, thread=thread).exists()
    return Follow.objects.filter(user=user, space=space).exists()

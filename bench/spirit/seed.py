"""Seed the Spirit peer with the forum benchmark's data shape, once.

    SPIRIT_DATABASE_URL=postgres://... SPIRIT_DATA_DIR=/tmp/... \\
        <spirit venv>/bin/python bench/spirit/seed.py [--reseed]

The same shape as ``bench.forum`` seeds into the project: 50 users, 10 categories,
2,000 topics and 40,000 comments, one topic holding 1,000 of them, their text drawn
from the same bodies and vocabulary (``bench.corpus``). Everything is drawn from
``random.Random(2026)``, written with ``bulk_create`` in one transaction,
and left as Spirit's own code would have left it after the same posts were made
through its forms: comment HTML from Spirit's Markdown renderer, each topic's
comment count and last activity, and each participant's topic notification. Then
Spirit's search index is rebuilt with haystack, as Spirit's docs say to.

A second run finds the same shape and only signs in again, unless ``--reseed``.
Prints one line of JSON on stdout (the session and the URLs to measure); everything
else goes to stderr. Runs inside the peer's virtualenv, never the project's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# The checkout's root, for ``bench.corpus``: the text both seeds draw from.
sys.path.insert(1, str(HERE.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

USERS, CATEGORIES, TOPICS, COMMENTS, DEEP_COMMENTS = 50, 10, 2_000, 40_000, 1_000
# The comment of the 1,000-comment topic whose page the benchmark asks for.
DEEP_TARGET = 800
USERNAMES = [f"bench{i}" for i in range(USERS)]
CATEGORY_SLUG = "bench-category-"
SIGNED_IN = "bench7"
SEARCH_QUERY = "partograph oxytocin"
# Spirit's search view is wrapped in ``login_required`` (spirit/search/views.py):
# anonymous visitors are redirected to the sign-in page instead.
LOGIN_REQUIRED = ["search"]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _is_seeded() -> bool:
    from django.contrib.auth import get_user_model
    from spirit.category.models import Category
    from spirit.comment.models import Comment
    from spirit.topic.models import Topic

    categories = Category.objects.filter(slug__startswith=CATEGORY_SLUG)
    topics = Topic.objects.filter(category__in=categories)
    return (
        get_user_model().objects.filter(username__in=USERNAMES).count() == USERS
        and categories.count() == CATEGORIES
        and topics.count() == TOPICS
        and Comment.objects.filter(topic__in=topics).count() == COMMENTS
        and topics.filter(comment_count=DEEP_COMMENTS).exists()
    )


def _clear() -> None:
    """Drop an earlier seed, so that seeding again gives the same ids and URLs.

    The peer's database is the benchmark's alone: every topic goes, with all that
    hangs off topics and comments (TRUNCATE … CASCADE is quick where Django's
    collector would walk 40,000 comments), and their id sequences start again. The
    bench users and categories go through the ORM, beside the ones Spirit's own
    migrations made, and their sequences restart after what is left.
    """
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connection
    from spirit.category.models import Category
    from spirit.topic.models import Topic
    from spirit.user.models import UserProfile

    User = get_user_model()
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Topic._meta.db_table)
        cursor.execute(f"TRUNCATE {table} RESTART IDENTITY CASCADE")
        Category.objects.filter(slug__startswith=CATEGORY_SLUG).delete()
        User.objects.filter(username__in=USERNAMES).delete()
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [User, UserProfile, Category]
        ):
            cursor.execute(sql)


def _seed() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from spirit.category.models import Category
    from spirit.comment.models import Comment
    from spirit.core.utils.markdown import Markdown
    from spirit.topic.models import Topic
    from spirit.topic.notification.models import TopicNotification
    from spirit.user.models import UserProfile

    User = get_user_model()
    from bench import corpus

    rng = random.Random(2026)
    now = timezone.now()
    bodies, vocabulary = corpus.bodies()

    # A hash is slow on purpose; one shared by all fifty keeps the seed quick.
    password = make_password("bench-password")
    users = User.objects.bulk_create(
        [
            User(
                username=name,
                email=f"{name}@bench.example",
                password=password,
                date_joined=now - dt.timedelta(days=120),
            )
            for name in USERNAMES
        ]
    )
    # The profile Spirit's post_save signal makes for each new user (bulk_create
    # sends no signals), verified as after the e-mail round trip.
    UserProfile.objects.bulk_create(
        [
            UserProfile(
                user=user,
                slug=user.username,
                nickname=user.username,
                notify=UserProfile.Notify.NEVER
                | UserProfile.Notify.MENTION
                | UserProfile.Notify.REPLY,
                is_verified=True,
            )
            for user in users
        ]
    )

    categories = Category.objects.bulk_create(
        [
            Category(
                title=f"Bench category {i}",
                slug=f"{CATEGORY_SLUG}{i}",
                description="Where the benchmark's topics live.",
            )
            for i in range(CATEGORIES)
        ]
    )

    # One deep topic; the rest share the remaining comments in turn, as bench.forum
    # does. A topic's first comment is its opening post, as in Spirit.
    per_topic = [DEEP_COMMENTS] + [0] * (TOPICS - 1)
    for k in range(COMMENTS - DEEP_COMMENTS):
        per_topic[1 + k % (TOPICS - 1)] += 1

    # Topics start over eighty days, oldest first; comments follow a few minutes to
    # hours apart, each later than the last, so Spirit's date ordering (and with it
    # pagination and ``comment find``) is unambiguous.
    span = dt.timedelta(days=80)
    start = now - dt.timedelta(days=90)
    topics, timelines = [], []
    for i, count in enumerate(per_topic):
        began = start + span * i / TOPICS + dt.timedelta(seconds=rng.randint(0, 3600))
        gaps = (2, 90) if count == DEEP_COMMENTS else (5, 600)
        dates, at = [], began
        for _ in range(count):
            dates.append(at)
            at += dt.timedelta(minutes=rng.randint(*gaps), seconds=rng.randint(0, 59))
        timelines.append(dates)
        title = corpus.title(rng, vocabulary)
        topics.append(
            Topic(
                user=rng.choice(users),
                category=categories[i % CATEGORIES],
                title=title,
                date=dates[0],
                last_active=dates[-1],
                reindex_at=now,
                comment_count=count,
                view_count=count * rng.randint(3, 12),
            )
        )
    # bulk_create runs AutoSlugField.pre_save, so slugs come from titles as usual.
    Topic.objects.bulk_create(topics, batch_size=1000)

    markdown_started = time.monotonic()
    # A fresh renderer per body, as CommentForm makes one per comment.
    html = {text: Markdown().render(text) for text in bodies}
    comments = []
    for topic, dates in zip(topics, timelines, strict=True):
        for n, date in enumerate(dates):
            text = rng.choice(bodies)
            comments.append(
                Comment(
                    user=topic.user if n == 0 else rng.choice(users),
                    topic=topic,
                    comment=text,
                    comment_html=html[text],
                    date=date,
                )
            )
    elapsed = time.monotonic() - markdown_started
    _log(
        f"  rendered {len(html):,} bodies for {len(comments):,} comments in {elapsed:.0f}s"
    )
    Comment.objects.bulk_create(comments, batch_size=2000)

    # What comment_posted() leaves per topic: each participant has one notification,
    # made read when they first commented; the first later comment by someone else
    # turns it unread and points it there (later ones leave an unread one alone).
    notifications = []
    by_topic: dict[int, list] = {}
    for comment in comments:
        by_topic.setdefault(comment.topic_id, []).append(comment)
    for topic in topics:
        state: dict[int, TopicNotification] = {}
        for comment in by_topic[topic.pk]:
            for user_id, note in state.items():
                if user_id != comment.user_id and note.is_read:
                    note.comment = comment
                    note.is_read = False
                    note.action = TopicNotification.COMMENT
                    note.date = comment.date
            if comment.user_id not in state:
                state[comment.user_id] = TopicNotification(
                    user_id=comment.user_id,
                    topic=topic,
                    comment=comment,
                    date=comment.date,
                    action=TopicNotification.UNDEFINED,
                    is_read=True,
                    is_active=True,
                )
        notifications.extend(state.values())
    TopicNotification.objects.bulk_create(notifications, batch_size=2000)
    _log(
        f"  {len(users)} users, {len(categories)} categories, {len(topics):,} topics, "
        f"{len(comments):,} comments, {len(notifications):,} notifications"
    )


def _sign_in(username: str) -> str:
    """A session as ``django.contrib.auth.login`` would store it for this user."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import update_last_login

    user = get_user_model().objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    # Spirit's sign-in form authenticates by username first.
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    update_last_login(None, user)
    return session.session_key


def _urls() -> dict[str, str]:
    from urllib.parse import urlencode

    import djconfig
    from django.urls import reverse
    from spirit.category.models import Category
    from spirit.comment.models import Comment
    from spirit.core.utils.paginator import get_page_number
    from spirit.topic.models import Topic

    djconfig.reload_maybe()
    per_page = djconfig.config.comments_per_page
    categories = Category.objects.filter(slug__startswith=CATEGORY_SLUG).order_by("pk")
    first, third = categories[0], categories[2]
    deep = Topic.objects.filter(category=first).order_by("pk").first()
    assert deep.comment_count == DEEP_COMMENTS, deep.comment_count
    typical = (
        Topic.objects.filter(category=third, comment_count__gte=20)
        .order_by("pk")
        .first()
    )
    # Numbered as Spirit's ``comment find`` view numbers a comment: by date.
    target = Comment.objects.filter(topic=deep).order_by("date", "pk")[DEEP_TARGET - 1]
    number = Comment.objects.filter(topic=deep, date__lte=target.date).count()
    page = get_page_number(number, per_page)
    search = reverse("spirit:search:search") + "?" + urlencode({"q": SEARCH_QUERY})
    return {
        "thread, first page": typical.get_absolute_url(),
        f"thread of 1,000 posts, page {page}": f"{deep.get_absolute_url()}?page={page}",
        "search": search,
        "space page": third.get_absolute_url(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reseed", action="store_true", help="drop and seed again")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from whoosh import index

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    index_dir = settings.HAYSTACK_CONNECTIONS["default"]["PATH"]
    seeded = _is_seeded()
    if seeded and not args.reseed:
        _log("Spirit peer already seeded.")
    else:
        _log("Seeding the Spirit peer…")
        with transaction.atomic():
            _clear()
            _seed()
        _log(f"  rows written in {time.monotonic() - started:.0f}s")
    if not seeded or args.reseed or not index.exists_in(index_dir):
        indexing = time.monotonic()
        call_command("rebuild_index", interactive=False, verbosity=0)
        _log(f"  search index rebuilt in {time.monotonic() - indexing:.0f}s")
    return {
        "session": _sign_in(SIGNED_IN),
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "urls": _urls(),
        "login_required": LOGIN_REQUIRED,
    }


if __name__ == "__main__":
    out = sys.stdout
    # Only the JSON line goes to stdout, whatever Django, haystack or Whoosh print.
    with contextlib.redirect_stdout(sys.stderr):
        plan = main()
    print(json.dumps(plan), file=out, flush=True)

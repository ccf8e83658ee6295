"""The safe-space promise, checked end to end on the demo learning centre.

`safe.poster@demo.example` only ever posts anonymously. As every other demo role (and a
visitor), a crawler walks the site's pages, feeds and JSON endpoints — the Wagtail admin
and the Django admin included — and websocket frames and emails are captured while they
post; none may carry their name, username, email or a link to their profile.

Excluded on purpose: the account-management screens (Wagtail's and Django's user lists,
the membership admin), whose job is to list accounts, not authorship; and the pages of
safe.poster's own session, where their author controls live.
"""

import heapq
import json
import re
import uuid
from urllib.parse import urldefrag, urlsplit

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from forums import chat, services
from forums.models import ChatMessage, Post, Room, Space, Thread
from forums.routing import websocket_urlpatterns

SAFE_POSTER = "safe.poster@demo.example"
PAGES_PER_ROLE = 150
LINK = re.compile(r"""(?:href|src|action|data-[a-z-]+)=["'](/[^"'\s<>]*)["']""")
SKIP = (
    "/static/",
    "/media/",
    "/documents/",
    "/accounts/",
    "/i18n/",
    "/healthz",
    "/admin/users/",
    "/admin/groups/",
    "/admin/community/membership",
    "/admin/logout",
    "/django-admin/auth/",
    "/django-admin/account/",  # allauth's email addresses: accounts again
    "/django-admin/mfa/",
    "/django-admin/logout",
    "/unsubscribe/",
    "/delete/",
    "/history/",  # page edit histories of the Wagtail admin are walked via their lists
    # Per-post action forms repeat what the post shows; one of each is walked below.
    "/react/",
    "/edit/",
    "/moderation/flag/",
)
FEED = (".atom", ".rss", ".ics", ".xml", "/feed")


@pytest.fixture
def in_memory_layer(settings):
    """The in-memory channel layer, whatever the pass: frames stay in this process."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def safe_space_pages() -> list[str]:
    safe = Space.objects.filter(safe_space=True)
    pages = [space.get_absolute_url() for space in safe]
    pages += [t.get_absolute_url() for t in Thread.objects.filter(space__in=safe)]
    for room in Room.objects.filter(space__in=safe):
        pages += [
            room.get_absolute_url(),
            f"{room.get_absolute_url()}messages/?after=0",
        ]
    return pages


def leaks(text: str, user) -> list[str]:
    # Id-shaped needles only count inside links to a person; names and emails anywhere.
    named = [user.email, user.username, user.profile.display_name]
    hits = [n for n in named if n and n in text]
    for pattern in (
        rf"/(?:members|profiles?|people|directory|users)/{user.pk}/",
        rf"/(?:members|profiles?|people|directory)/{re.escape(user.username)}\b",
    ):
        if re.search(pattern, text):
            hits.append(pattern)
    return hits


def crawl(
    client: Client, user, seeds: list[str], priority: set[str], admin=False, find=None
):
    """Walk same-site links breadth-first, safe-space pages first.
    Returns the pages visited and where ``user`` showed up (or what ``find`` found)."""
    find = find or (lambda body: leaks(body, user))
    queue: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    counter = 0

    def push(url: str, seed: bool = False) -> None:
        nonlocal counter
        url = urldefrag(url.replace("&amp;", "&"))[0]
        if not url.startswith("/") or url.startswith("//") or url in seen:
            return
        if not seed and any(part in url for part in SKIP):
            return
        seen.add(url)
        rank = 0 if seed or url in priority or url.endswith(FEED) else 1
        if "admin/" in url and not seed:
            rank = 0 if admin else 2
        counter += 1
        heapq.heappush(queue, (rank, counter, url))

    for url in seeds:
        push(url, seed=True)
    visited: list[str] = []
    hits: list[tuple[str, list[str]]] = []
    while queue and len(visited) < PAGES_PER_ROLE:
        _rank, _n, url = heapq.heappop(queue)
        response = client.get(url)
        visited.append(url)
        kind = response.get("Content-Type", "")
        if response.status_code in (301, 302):
            push(response["Location"])
            continue
        if not any(t in kind for t in ("html", "json", "xml", "text", "calendar")):
            continue
        body = response.content.decode("utf-8", "replace")
        found = find(body)
        if found:
            hits.append((url, found))
        for link in LINK.findall(body):
            if urlsplit(link).path.endswith((".css", ".js", ".png", ".svg", ".ico")):
                continue
            push(link)
    return visited, hits


def private_texts() -> dict[str, set[int]]:
    """Each demo conversation message's opening words, and who may read them."""
    from forums.conversations.models import Participant

    people: dict[int, set[int]] = {}
    for row in Participant.objects.filter(left_at__isnull=True):
        people.setdefault(row.conversation.room_id, set()).add(row.user_id)
    return {
        message.body[:40]: people.get(message.room_id, set())
        for message in ChatMessage.objects.filter(room__kind="conversation")
    }


# The walk is shared out in this many tests, so parallel workers split it.
CHUNKS = 4


def sweep_plan() -> dict:
    """What every role's walk starts from and looks for (read from the demo)."""
    from forums.conversations.models import Conversation

    User = get_user_model()
    poster = User.objects.select_related("profile").get(email=SAFE_POSTER)
    mine = Post.objects.filter(author=poster)
    assert mine.exists() and not mine.filter(anonymous=False).exists()
    assert not ChatMessage.objects.filter(author=poster, anonymous=False).exists()

    priority = set(safe_space_pages())
    anonymous_post = mine.filter(thread__space__safe_space=True).first()
    one_of_each = [
        reverse("forums:post_edit", args=[anonymous_post.pk]),
        reverse("forums:post_reactions", args=[anonymous_post.pk]),
    ]
    words = " ".join(mine.first().body.split()[:3])
    rooms = list(Room.objects.values_list("pk", flat=True))
    texts = private_texts()
    assert len(texts) >= 10
    conversations = [c.get_absolute_url() for c in Conversation.objects.all()]
    priority |= set(conversations)
    seeds = [
        "/",
        "/forums/",
        "/forums/notifications/",
        f"/search/?q={words}",
        "/moderation/",
        "/moderation/audit/",
        "/moderation/notices/",
        "/forums/messages/",
        *conversations,
        "/admin/",
        "/admin/pages/",
        "/admin/snippets/",
        "/django-admin/",
        *[f"/forums/chat/{pk}/messages/?after=0" for pk in rooms],
        *sorted(priority),
        *one_of_each,
    ]
    others = User.objects.exclude(pk=poster.pk).filter(email__endswith="@demo.example")
    roles = [(None, "visitor")] + [(u, u.email) for u in others.order_by("email")]
    assert len(roles) >= 10
    return {
        "poster": poster,
        "priority": priority,
        "seeds": seeds,
        "texts": texts,
        "roles": roles,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_nobody_finds_the_anonymous_poster_anywhere(
    seeded_demo, in_memory_layer, chunk
):
    """Every demo role (a quarter of them per test) walks the site. The same walk
    also looks for the demo's private conversations: no one outside one (moderators
    and administrators included) finds a word of it anywhere."""
    plan = sweep_plan()
    poster, seeds, priority, texts = (
        plan["poster"],
        plan["seeds"],
        plan["priority"],
        plan["texts"],
    )
    for account, label in plan["roles"][chunk::CHUNKS]:
        client = Client()
        client.role = label
        if account is not None:
            client.force_login(account)
        pk = getattr(account, "pk", None)
        secrets = [text for text, readers in texts.items() if pk not in readers]

        def find(body, secrets=secrets):
            return leaks(body, poster) + [text for text in secrets if text in body]

        visited, hits = crawl(client, poster, seeds, priority, find=find)
        assert not hits, (label, hits)
        assert len(visited) >= 10, (label, visited)
        if account is not None and account.is_superuser:
            # Both admins in depth: page listings, snippets, reports, model lists.
            admin_seeds = ["/admin/", "/admin/pages/", "/admin/snippets/"]
            admin_seeds += ["/admin/reports/", "/django-admin/"]
            visited, hits = crawl(
                client, poster, admin_seeds, set(), admin=True, find=find
            )
            assert not hits, (label, hits)
            assert len(visited) == PAGES_PER_ROLE, visited
        if account is not None and account.email == "moderator@demo.example":
            # The walk reached the safe space, its chat, the feeds and both admins.
            walked = " ".join(visited)
            for part in ("/t/", "/chat/", ".atom", "/admin/", "/django-admin/"):
                assert part in walked, part


@pytest.mark.django_db
def test_the_same_walk_does_find_a_named_author_and_ones_own_words(
    seeded_demo, in_memory_layer
):
    """Control: silence above means something."""
    plan = sweep_plan()
    seeds, priority, texts = plan["seeds"], plan["priority"], plan["texts"]
    User = get_user_model()
    named = User.objects.select_related("profile").get(email="coach@demo.example")
    client = Client()
    client.role = "practitioner"
    client.force_login(User.objects.get(email="practitioner@demo.example"))
    _visited, hits = crawl(client, named, seeds, priority)
    assert hits
    # And a participant's walk does find their conversations' words.
    amina = User.objects.get(email="practitioner@demo.example")
    theirs = [text for text, readers in texts.items() if amina.pk in readers]
    _visited, hits = crawl(
        client, named, seeds, priority, find=lambda b: [t for t in theirs if t in b]
    )
    assert hits


# Real commits: the consumers read the database from their own threads.
def test_frames_and_emails_never_carry_the_anonymous_author(
    committed_demo, in_memory_layer
):
    """Live: as the poster writes in the safe space, what reaches other members'
    sockets and inboxes names nobody."""
    User = get_user_model()
    poster = User.objects.get(email=SAFE_POSTER)
    safe = Space.objects.get(safe_space=True)
    room = chat.room_for_space(space=safe)
    thread = Thread.objects.filter(space=safe).order_by("pk").first()
    readers = [
        u
        for u in User.objects.filter(email__endswith="@demo.example").exclude(
            pk=poster.pk
        )
        if chat.can_view_room(u, room)
    ]
    assert len(readers) >= 3
    for reader in readers:
        services.thread_follow(thread=thread, user=reader)
    app = URLRouter(websocket_urlpatterns)

    def write():
        mail.outbox.clear()
        chat.message_send(
            room=room,
            author=poster,
            client_id=str(uuid.uuid4()),
            body="I gave the wrong dose last night; caught it in time.",
            anonymous=True,
        )
        services.post_create(
            thread=thread,
            author=poster,
            body="Same here: the double check saved us. @coach what do you do?",
            anonymous=True,
        )

    async def session():
        sockets = []
        for reader in readers:
            communicator = WebsocketCommunicator(app, f"/ws/chat/{room.pk}/?after=0")
            communicator.scope["user"] = reader
            connected, _code = await communicator.connect()
            assert connected
            sockets.append(communicator)
        await sync_to_async(write)()
        frames = []
        for communicator in sockets:
            while not await communicator.receive_nothing(timeout=0.3):
                frames.append(await communicator.receive_from())
            await communicator.disconnect()
        return frames

    frames = async_to_sync(session)()
    assert any(json.loads(f).get("type") == "message" for f in frames)
    for frame in frames:
        assert not leaks(frame, poster), frame
    for message in mail.outbox:
        text = " ".join(
            [message.subject, message.body]
            + [alt[0] for alt in getattr(message, "alternatives", [])]
            + [f"{k}: {v}" for k, v in message.extra_headers.items()]
        )
        assert not leaks(text, poster), message.subject
    # Only minute precision, in storage as on screen.
    latest = Post.objects.filter(author=poster).latest("pk")
    assert latest.created.second == 0 and latest.created.microsecond == 0
    message = ChatMessage.objects.filter(author=poster).latest("pk")
    assert message.created.second == 0 and message.created.microsecond == 0

"""The people who might want an anonymous author's name, played against the demo.

The demo learning centre is seeded once for the module; each test plays one kind of
adversary through every path they have: the curious moderator through every sanction
reachable from an anonymous post or chat message, leaders through every flag and
moderation path, and a moderator who also leads people through the queue. Each scenario runs inside a
savepoint that is rolled back, so one seed serves them all.

The sweep (`test_safe_poster_sweep.py`) checks what pages, feeds, frames and emails show;
this module checks what people can *make happen* and then observe.
"""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client

from community import services as community_services
from community.models import Organisation, Role
from forums import chat
from forums import services as forum_services
from forums.models import ChatMessage, Post, Room, Space, Thread
from moderation import services
from moderation.models import Action, Case, CaseReason, Notice
from moderation.permissions import can_flag
from moderation.templatetags.moderation_tags import flag_url, moderate_url
from tests.moderation.test_safe_poster_sweep import (
    SAFE_POSTER,
    in_memory_layer,
    leaks,
)

__all__ = ["in_memory_layer"]  # a fixture, shared with the sweep

User = get_user_model()
pytestmark = pytest.mark.django_db
SANCTIONS = [Action.WARN, Action.MUTE, Action.SUSPEND, Action.REQUIRE_REVIEW]


class Rollback(Exception):
    pass


def scenario(run):
    """Run ``run`` in a savepoint that is always rolled back."""
    try:
        with transaction.atomic():
            run()
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def demo(seeded_demo, in_memory_layer):
    """The demo, seeded once for the module; each test's changes are rolled back."""


def _user(email: str):
    return User.objects.select_related("profile").get(email=email)


def _anonymous_posts(poster):
    return list(
        Post.objects.filter(author=poster, anonymous=True, hidden=False)
        .select_related("thread__space")
        .order_by("pk")
    )


def _write_elsewhere(poster, origin_thread: Thread | None, origin_room: Room | None):
    """What the author writes after the sanction, away from the alias. Returns the
    content written and the refusals met (which only the author sees)."""
    written, refused = [], []
    named_thread = Thread.objects.filter(
        space__safe_space=False, locked=False, hidden=False, space__visibility="members"
    ).first()
    other_safe = (
        Thread.objects.filter(space__safe_space=True, locked=False, hidden=False)
        .exclude(pk=getattr(origin_thread, "pk", None))
        .first()
    )
    named_room = Room.objects.filter(
        space__safe_space=False, space__isnull=False
    ).first()
    attempts = [
        lambda: forum_services.post_create(
            thread=named_thread, author=poster, body="A named reply, elsewhere."
        ),
        lambda: forum_services.post_create(
            thread=other_safe,
            author=poster,
            body="Anonymous, in another safe thread.",
            anonymous=True,
        ),
        lambda: chat.message_send(
            room=named_room,
            author=poster,
            body="A named chat line.",
            client_id=uuid.uuid4(),
        )[0],
    ]
    for attempt in attempts:
        try:
            written.append(attempt())
        except (ValidationError, chat.ChatError) as refusal:
            refused.append(str(refusal))
    return written, refused


def _queue_html(client: Client) -> str:
    response = client.get("/moderation/")
    assert response.status_code == 200
    return response.text


def test_the_curious_moderator_learns_nothing_from_any_sanction(demo):
    poster = _user(SAFE_POSTER)
    moderator = _user("moderator@demo.example")
    client = Client()
    client.force_login(moderator)
    post = _anonymous_posts(poster)[0]
    safe_room = Room.objects.filter(space__safe_space=True).first()

    def anonymous_message():
        message, _ = chat.message_send(
            room=safe_room,
            author=poster,
            body="I was too tired to check the partograph.",
            client_id=uuid.uuid4(),
            anonymous=True,
        )
        return message

    for action in SANCTIONS:
        for origin in ("post", "chat"):

            def run(action=action, origin=origin):
                content = post if origin == "post" else anonymous_message()
                services.decision_make(
                    content=content,
                    moderator=moderator,
                    action=action,
                    reason="Curious who wrote this",
                )
                cases = set(Case.objects.values_list("pk", flat=True))
                notices = set(Notice.objects.values_list("pk", flat=True))
                written, refused = _write_elsewhere(
                    poster,
                    post.thread if origin == "post" else None,
                    safe_room if origin == "chat" else None,
                )
                where = f"{action} on an anonymous {origin}"
                # Nothing new for a moderator to look at, nothing held.
                assert set(Case.objects.values_list("pk", flat=True)) == cases, where
                assert set(Notice.objects.values_list("pk", flat=True)) == notices
                for item in written:
                    item.refresh_from_db()
                    assert not item.hidden, where
                # Only an alias suspension refuses, and only anonymous posting.
                if action == Action.SUSPEND:
                    assert all("under your name" in r for r in refused), refused
                else:
                    assert refused == [], (where, refused)
                html = _queue_html(client)
                assert leaks(html, poster) == [], where
                for item in written:
                    url = (
                        item.get_absolute_url()
                        if isinstance(item, Post)
                        else f"#m{item.pk}"
                    )
                    assert url not in html, (where, url)
                assert "Author&#x27;s posts need review" not in html, where
                audit = client.get("/moderation/audit/").text
                assert leaks(audit, poster) == [], where

            scenario(run)

    # A review holds only what already carries the alias, where it is public.
    def review():
        services.decision_make(
            content=post,
            moderator=moderator,
            action=Action.REQUIRE_REVIEW,
            reason="Names a colleague",
        )
        again = forum_services.post_create(
            thread=post.thread, author=poster, body="More, same alias.", anonymous=True
        )
        again.refresh_from_db()
        assert again.hidden and again.alias == post.alias
        case = Case.objects.get(object_id=again.pk, reason=CaseReason.ALIAS_REVIEW)
        client = Client()
        client.force_login(moderator)
        html = _queue_html(client)
        assert f"case-{case.pk}" in html
        assert leaks(html, poster) == []

    scenario(review)


LEADERS = [
    "district.lead@demo.example",
    "coach@demo.example",
    "facility.lead@demo.example",
    "national.team@demo.example",
    "lead.lakeside@demo.example",
]


def test_leaders_learn_nothing_from_flags_queue_or_moderation(demo):
    for email in LEADERS:
        _leader_cannot_silence_or_moderate_a_safe_space(email)
    _a_moderator_who_leads_sees_the_same_queue_whoever_the_author()
    _a_member_poking_ids_and_clocks_learns_nothing()
    # The scenarios above acted on real demo content.
    assert Space.objects.filter(safe_space=True).exists()
    assert _anonymous_posts(_user(SAFE_POSTER))
    assert Room.objects.filter(space__safe_space=True).exists()


def _leader_cannot_silence_or_moderate_a_safe_space(email):
    """Flags, the act form, the queue: a leader gets the same answers for every
    anonymous safe-space post, whoever wrote it."""
    leader = _user(email)
    client = Client()
    client.force_login(leader)
    for post in Post.objects.filter(
        anonymous=True, hidden=False, thread__space__safe_space=True
    )[:6]:

        def run(post=post):
            assert client.get(moderate_url(post)).status_code == 403
            response = client.post(
                flag_url(post), {"reason": "blames_individual", "text": ""}
            )
            assert response.status_code in (302, 403)
            post.refresh_from_db()
            assert not post.hidden, f"{email}'s flag hid {post.thread.title}"

        scenario(run)
    assert client.get("/moderation/").status_code in (200, 403)
    if client.get("/moderation/").status_code == 200:
        html = client.get("/moderation/").text
        assert not any(
            post.get_absolute_url() in html
            for post in Post.objects.filter(thread__space__safe_space=True)
        )


def _a_moderator_who_leads_sees_the_same_queue_whoever_the_author():
    """Two moderators who each lead a different facility: neither sees safe-space
    cases, so neither learns which anonymous posts come from their own people."""
    poster = _user(SAFE_POSTER)
    peers = [
        u
        for u in User.objects.filter(email__endswith="@demo.example")
        .exclude(pk=poster.pk)
        .order_by("pk")
        if not u.is_superuser
    ]
    for post in _anonymous_posts(poster)[:2]:
        flagged = 0
        for flagger in peers:
            # Asked afresh each time: trusted flaggers' weights can hide the post
            # (past the threshold) before the third flag, and hidden is unflaggable.
            post.refresh_from_db()
            if can_flag(flagger, post):
                services.flag_create(
                    content=post, flagger=flagger, reason="blames_individual"
                )
                flagged += 1
                if flagged == 3:
                    break
        assert flagged
    facilities = list(Organisation.objects.filter(level="facility")[:2])
    views = []
    for index, facility in enumerate(facilities):
        moderator = User.objects.create_user(
            username=f"mod-lead-{index}", email=f"mod{index}@example.org"
        )
        community_services.membership_create(
            user=moderator,
            organisation=Organisation.objects.get(level="country"),
            role=Role.MODERATOR,
        )
        community_services.membership_create(
            user=moderator, organisation=facility, role=Role.FACILITY_LEAD
        )
        client = Client()
        client.force_login(moderator)
        html = client.get("/moderation/").text
        views.append(
            sorted(
                case.pk for case in Case.objects.all() if f'id="case-{case.pk}"' in html
            )
        )
        for post in Post.objects.filter(thread__space__safe_space=True):
            assert post.get_absolute_url() not in html
        for message in ChatMessage.objects.filter(room__space__safe_space=True):
            assert f'#m{message.pk}"' not in html
    assert views[0] == views[1]


def _a_member_poking_ids_and_clocks_learns_nothing():
    """Sequential keys in URLs would order anonymous posts among named ones; times
    finer than the minute would pin them. Neither is there to read."""
    import re

    from django.contrib.contenttypes.models import ContentType

    client = Client()
    client.force_login(_user("practitioner@demo.example"))
    ct = ContentType.objects.get_for_model(Post)
    for post in Post.objects.filter(anonymous=True, thread__space__safe_space=True)[:5]:
        for path in (
            f"/forums/p/{post.pk}/",
            f"/forums/t/{post.thread_id}/",
            f"/moderation/flag/{ct.pk}/{post.pk}/",
        ):
            assert client.get(path).status_code == 404, path
        page = client.get(post.thread.get_absolute_url()).text
        for stamp in re.findall(r'<time datetime="([^"]+)"', page):
            assert re.fullmatch(r"[\d-]+T\d{2}:\d{2}(?:[+-]\d{4}|Z)?", stamp), stamp

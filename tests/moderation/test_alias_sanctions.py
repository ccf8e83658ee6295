"""Sanctions decided on anonymous content reach the alias, never the person.

A moderator who sanctions "the author of this anonymous post" must not be able to watch
the sanction's effects and learn who that is: no queue case, notice, hold or refusal
that anyone but the author sees may point at the author's other content (named content,
other threads, other rooms). These tests play the curious moderator for every sanction
reachable from anonymous content.
"""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError

from community import services as community_services
from community.models import Role
from forums import chat
from forums import services as forum_services
from forums.models import Space, Visibility
from moderation import selectors, services
from moderation.models import (
    Action,
    Case,
    CaseReason,
    CaseStatus,
    Notice,
    Sanction,
)
from moderation.templatetags.moderation_tags import flag_url
from tests.factories import member


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def author(world):
    user = member(Role.PRACTITIONER, world.facility)
    community_services.profile_update(user=user, display_name="Safe Poster")
    return user


@pytest.fixture
def places(world, author):
    """A safe space (two threads, its room) and a members space (a thread, a room)."""
    safe = Space.objects.create(
        name="Learning from harm",
        slug="harm",
        visibility=Visibility.MEMBERS,
        safe_space=True,
    )
    open_space = Space.objects.create(
        name="Maternal health", slug="maternal", visibility=Visibility.MEMBERS
    )
    peer = member(Role.PRACTITIONER, world.other_facility)
    return {
        "safe": safe,
        "open": open_space,
        "safe_thread": forum_services.thread_create(
            space=safe, author=peer, title="Near misses", body="What happened to you?"
        ),
        "other_safe_thread": forum_services.thread_create(
            space=safe, author=peer, title="Late referrals", body="Tell us."
        ),
        "open_thread": forum_services.thread_create(
            space=open_space, author=peer, title="Checklists", body="Which ones?"
        ),
        "safe_room": chat.room_for_space(space=safe),
        "open_room": chat.room_for_space(space=open_space),
    }


def _say(room, author, body, *, anonymous):
    message, _ = chat.message_send(
        room=room,
        author=author,
        body=body,
        client_id=uuid.uuid4(),
        anonymous=anonymous,
    )
    return message


def _anonymous_post(places, author):
    return forum_services.post_create(
        thread=places["safe_thread"],
        author=author,
        body="I missed the signs of pre-eclampsia last night.",
        anonymous=True,
    )


def _everything_else(places, author, *, anonymous_in_space: bool = True) -> list:
    """What the author writes after the sanction, outside the alias's own place:
    nothing of it may be held, refused or turned into a case. (A suspension decided on
    anonymous content refuses anonymous posting in its space: only the author sees
    that refusal, and the other tests check it.)"""
    written = [
        forum_services.post_create(
            thread=places["open_thread"], author=author, body="A named reply."
        ),
        forum_services.thread_create(
            space=places["open"], author=author, title="Named", body="A named thread."
        ).posts.first(),
        _say(places["open_room"], author, "A named chat line.", anonymous=False),
        _say(
            places["safe_room"],
            author,
            "A named line in the safe room.",
            anonymous=False,
        ),
    ]
    if anonymous_in_space:
        written.append(
            forum_services.post_create(
                thread=places["other_safe_thread"],
                author=author,
                body="An anonymous reply elsewhere.",
                anonymous=True,
            )
        )
    return written


SANCTIONS = [Action.WARN, Action.MUTE, Action.SUSPEND, Action.REQUIRE_REVIEW]


@pytest.mark.parametrize("action", SANCTIONS)
@pytest.mark.parametrize("origin", ["post", "chat"])
def test_no_sanction_from_anonymous_content_points_at_the_authors_other_content(
    action, origin, places, author, moderator
):
    content = (
        _anonymous_post(places, author)
        if origin == "post"
        else _say(
            places["safe_room"], author, "I was too tired to check.", anonymous=True
        )
    )
    services.decision_make(
        content=content, moderator=moderator, action=action, reason="Rude to a peer"
    )
    cases_before = set(Case.objects.values_list("pk", flat=True))
    notices_before = Notice.objects.filter(user=author).count()

    written = _everything_else(
        places, author, anonymous_in_space=action != Action.SUSPEND
    )

    for item in written:
        item.refresh_from_db()
        assert not item.hidden, item
    assert set(Case.objects.values_list("pk", flat=True)) == cases_before
    assert Notice.objects.filter(user=author).count() == notices_before
    queue = selectors.queue_for(moderator)
    assert all(item["case"].reason != CaseReason.REVIEW_REQUIRED for item in queue)


def test_review_from_an_anonymous_post_holds_that_alias_in_that_thread_only(
    places, author, moderator
):
    post = _anonymous_post(places, author)
    services.decision_make(
        content=post,
        moderator=moderator,
        action=Action.REQUIRE_REVIEW,
        reason="Blames a colleague by name",
    )
    again = forum_services.post_create(
        thread=places["safe_thread"],
        author=author,
        body="Second thoughts, same alias.",
        anonymous=True,
    )
    again.refresh_from_db()
    assert again.hidden and again.alias == post.alias
    case = Case.objects.get(object_id=again.pk)
    assert case.reason == CaseReason.ALIAS_REVIEW
    assert case.status == CaseStatus.HELD
    # The queue shows it under the alias, in the thread where the alias is public.
    item = next(i for i in selectors.queue_for(moderator) if i["case"] == case)
    assert item["anonymous"] is True
    assert "Safe Poster" not in str(item) and author.username not in str(item)
    assert item["case"].get_reason_display() == "This alias's posts here are reviewed"


def test_review_from_named_content_never_holds_anonymous_content(
    places, author, moderator
):
    named = forum_services.post_create(
        thread=places["open_thread"], author=author, body="A rude named reply."
    )
    services.decision_make(
        content=named,
        moderator=moderator,
        action=Action.REQUIRE_REVIEW,
        reason="Rude",
    )
    anonymous = _anonymous_post(places, author)
    anonymous.refresh_from_db()
    assert not anonymous.hidden
    assert not Case.objects.filter(object_id=anonymous.pk).exists()
    # Named content is still reviewed, as decided.
    named_again = forum_services.post_create(
        thread=places["open_thread"], author=author, body="Named again."
    )
    named_again.refresh_from_db()
    assert named_again.hidden


def test_alias_suspension_stops_anonymous_posting_in_that_space_only(
    places, author, moderator
):
    services.decision_make(
        content=_anonymous_post(places, author),
        moderator=moderator,
        action=Action.SUSPEND,
        reason="Abuse",
    )
    with pytest.raises(ValidationError) as refused:
        forum_services.post_create(
            thread=places["other_safe_thread"],
            author=author,
            body="Anonymous again.",
            anonymous=True,
        )
    assert "You can still post under your name" in str(refused.value)
    with pytest.raises(chat.ChatError):
        _say(places["safe_room"], author, "Anonymous in the room.", anonymous=True)
    # Named posting anywhere, even in the safe space, goes on.
    forum_services.post_create(
        thread=places["other_safe_thread"], author=author, body="Under my name."
    )
    sanction = Sanction.objects.get()
    assert sanction.alias_only
    assert sanction.scope_type == ContentType.objects.get_for_model(Space)
    assert sanction.scope_id == places["safe"].pk


def test_account_wide_suspension_still_stops_anonymous_posting(
    places, author, moderator
):
    named = forum_services.post_create(
        thread=places["open_thread"], author=author, body="A rude named reply."
    )
    services.decision_make(
        content=named, moderator=moderator, action=Action.SUSPEND, reason="Abuse"
    )
    with pytest.raises(ValidationError):
        _anonymous_post(places, author)


def test_the_decision_form_says_what_an_alias_sanction_does(
    client, world, places, author, moderator
):
    post = _anonymous_post(places, author)
    peer = member(Role.PRACTITIONER, world.other_facility)
    services.flag_create(content=post, flagger=peer, reason="other", text="check")
    client.force_login(moderator)
    page = client.get("/moderation/").text
    assert "Pause the author&#x27;s anonymous posting in this space" in page
    assert "Review this alias&#x27;s next posts here" in page


# --- Item 3: the flag form never shows hidden or held content ----------------------


def test_the_flag_form_of_a_held_post_shows_nothing(client, world, places):
    writer = member(Role.PRACTITIONER, world.facility)
    held = forum_services.post_create(
        thread=places["open_thread"],
        author=writer,
        body="Mrs Banda, ANC no 123456, phone +265 999 123 456, bed 4.",
    )
    held.refresh_from_db()
    assert held.hidden
    reader = member(Role.PRACTITIONER, world.other_facility)
    client.force_login(reader)
    response = client.get(flag_url(held))
    assert response.status_code in (403, 404)
    assert "Banda" not in response.text and "123456" not in response.text
    response = client.post(flag_url(held), {"reason": "spam"})
    assert response.status_code in (403, 404)


def test_the_flag_form_of_a_hidden_chat_message_shows_nothing(
    client, world, places, moderator
):
    writer = member(Role.PRACTITIONER, world.facility)
    message = _say(places["open_room"], writer, "Secret words here", anonymous=False)
    services.decision_make(
        content=message, moderator=moderator, action=Action.HIDE, reason="x"
    )
    client.force_login(member(Role.PRACTITIONER, world.other_facility))
    response = client.get(flag_url(message))
    assert response.status_code in (403, 404)
    assert "Secret words" not in response.text


# --- Item 4: leadership alone never hides a safe-space post ------------------------


@pytest.mark.parametrize("role", [Role.DISTRICT_LEAD, Role.COACH, Role.FACILITY_LEAD])
@pytest.mark.parametrize("own_district", [True, False])
def test_a_leaders_flag_never_hides_a_safe_space_post(
    role, own_district, world, places, author
):
    """Whether or not they lead the author: the rule depends on the flagger alone, so
    seeing the post stay up tells nobody where the author works."""
    post = _anonymous_post(places, author)
    where = {
        Role.FACILITY_LEAD: world.facility if own_district else world.other_facility,
        Role.COACH: world.district if own_district else world.other_district,
        Role.DISTRICT_LEAD: world.district if own_district else world.other_district,
    }[role]
    leader = member(role, where)
    flag = services.flag_create(
        content=post, flagger=leader, reason="blames_individual"
    )
    post.refresh_from_db()
    assert not post.hidden
    assert flag.weight == 0
    case = Case.objects.get(object_id=post.pk)
    assert case.status == CaseStatus.OPEN  # the moderators still see it


def test_a_leaders_flag_still_counts_outside_safe_spaces(world, places):
    post = forum_services.post_create(
        thread=places["open_thread"],
        author=member(Role.PRACTITIONER, world.facility),
        body="Spam spam spam.",
    )
    services.flag_create(
        content=post, flagger=member(Role.DISTRICT_LEAD, world.district), reason="spam"
    )
    post.refresh_from_db()
    assert post.hidden


def test_peers_flags_still_hide_a_safe_space_post(world, places, author):
    post = _anonymous_post(places, author)
    for _ in range(3):
        services.flag_create(
            content=post,
            flagger=member(Role.PRACTITIONER, world.other_facility),
            reason="blames_individual",
        )
    post.refresh_from_db()
    assert post.hidden


def test_every_single_post_view_applies_the_thread_pages_rule_to_held_posts(
    world, places
):
    """Flag, react, reactors: a reader gets nothing of a held post; its author and
    the space's moderators still see it."""
    from forums import permissions as forum_permissions

    writer = member(Role.PRACTITIONER, world.facility)
    held = forum_services.post_create(
        thread=places["open_thread"],
        author=writer,
        body="Mrs Banda, ANC no 123456, phone +265 999 123 456.",
    )
    held.refresh_from_db()
    reader = member(Role.PRACTITIONER, world.other_facility)
    assert not forum_permissions.can_view_post(reader, held)
    assert not forum_permissions.can_react(reader, held)
    assert not forum_permissions.can_see_reactors(reader, held)
    assert forum_permissions.can_view_post(writer, held)
    steward = member(Role.MODERATOR, world.country)
    assert forum_permissions.can_view_post(steward, held)

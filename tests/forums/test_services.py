"""The write side: numbering, history, soft delete, answers, reactions, read state,
mentions and notifications."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forums import services
from forums.models import (
    Follow,
    Notification,
    NotificationKind,
    Post,
    PostRevision,
    Space,
    ThreadRead,
)

from .conftest import named


@pytest.fixture
def thread(practitioner, spaces):
    return services.thread_create(
        space=spaces.district,
        author=practitioner,
        title="Keeping babies warm at night",
        body="What works for you?",
        kind="question",
        tags=["newborn care", "hypothermia"],
    )


def test_thread_create_writes_opening_post_counts_and_follow(thread, practitioner):
    post = thread.posts.get()
    assert post.number == 1
    assert "<p>What works for you?</p>" in post.body_html
    space = Space.objects.get(pk=thread.space_id)
    assert (space.thread_count, space.post_count) == (1, 1)
    assert Follow.objects.filter(user=practitioner, thread=thread).exists()
    assert sorted(t.name for t in thread.tags.all()) == ["hypothermia", "newborn care"]


def test_change_story_needs_an_outcome(practitioner, spaces):
    with pytest.raises(ValidationError):
        services.thread_create(
            space=spaces.public,
            author=practitioner,
            title="We tried KMC",
            body="...",
            kind="change_story",
        )


def test_replies_are_numbered_in_order(thread, peer):
    numbers = [
        services.post_create(thread=thread, author=peer, body=f"reply {i}").number
        for i in range(3)
    ]
    assert numbers == [2, 3, 4]
    thread.refresh_from_db()
    assert thread.post_count == 4
    assert thread.last_post.number == 4


def test_body_is_rendered_through_the_shared_pipeline(thread, peer):
    post = services.post_create(
        thread=thread, author=peer, body="<script>alert(1)</script> **ok**"
    )
    assert "<script>" not in post.body_html
    assert "<strong>ok</strong>" in post.body_html


def test_empty_reply_is_refused(thread, peer):
    with pytest.raises(ValidationError):
        services.post_create(thread=thread, author=peer, body="   ")


def test_edit_keeps_history_and_marks_edited(thread, practitioner):
    post = thread.posts.get()
    services.post_edit(post=post, by=practitioner, body="What works at night?")
    post.refresh_from_db()
    assert post.is_edited
    assert post.body == "What works at night?"
    assert list(
        PostRevision.objects.filter(post=post).values_list("body", flat=True)
    ) == ["What works for you?"]


def test_peer_may_not_edit(thread, peer):
    with pytest.raises(PermissionDenied):
        services.post_edit(post=thread.posts.get(), by=peer, body="mine now")


def test_soft_delete_keeps_numbers(thread, practitioner, peer):
    first = services.post_create(thread=thread, author=peer, body="one")
    services.post_create(thread=thread, author=peer, body="two")
    services.post_delete(post=first, by=peer)
    first.refresh_from_db()
    assert first.is_deleted
    assert Post.objects.filter(thread=thread).count() == 3
    third = services.post_create(thread=thread, author=practitioner, body="three")
    assert third.number == 4


def test_deleting_opening_post_withdraws_thread(thread, practitioner):
    services.post_delete(post=thread.posts.get(number=1), by=practitioner)
    thread.refresh_from_db()
    assert thread.deleted_at is not None
    assert Space.objects.get(pk=thread.space_id).thread_count == 0


def test_asker_marks_answer_and_answerer_is_notified(thread, practitioner, peer):
    answer = services.post_create(thread=thread, author=peer, body="A warm bay")
    services.thread_mark_answer(thread=thread, post=answer, by=practitioner)
    thread.refresh_from_db()
    assert thread.accepted_answer == answer
    note = Notification.objects.get(user=peer, kind=NotificationKind.ANSWER)
    assert note.actor == practitioner


def test_peer_may_not_mark_answer(thread, peer):
    answer = services.post_create(thread=thread, author=peer, body="A warm bay")
    with pytest.raises(PermissionDenied):
        services.thread_mark_answer(thread=thread, post=answer, by=peer)


def test_district_moderator_marks_answer(thread, coach, peer):
    answer = services.post_create(thread=thread, author=peer, body="A warm bay")
    services.thread_mark_answer(thread=thread, post=answer, by=coach)
    assert thread.accepted_answer == answer


def test_reaction_toggles_once_per_member(thread, peer, practitioner):
    post = services.post_create(thread=thread, author=peer, body="idea")
    assert services.reaction_toggle(post=post, user=practitioner, kind="helpful")
    services.reaction_toggle(post=post, user=practitioner, kind="thanks")
    post.refresh_from_db()
    assert (post.helpful_count, post.thanks_count) == (1, 1)
    assert not services.reaction_toggle(post=post, user=practitioner, kind="helpful")
    post.refresh_from_db()
    assert post.helpful_count == 0


def test_unknown_reaction_refused(thread, practitioner):
    with pytest.raises(ValidationError):
        services.reaction_toggle(
            post=thread.posts.get(), user=practitioner, kind="angry"
        )


def test_read_state_only_moves_forward(thread, peer):
    services.thread_mark_read(user=peer, thread=thread, number=3)
    services.thread_mark_read(user=peer, thread=thread, number=2)
    assert ThreadRead.objects.get(user=peer, thread=thread).last_read_number == 3


def test_reply_notifies_thread_author_and_followers(
    thread, practitioner, peer, qi_member
):
    services.thread_follow(thread=thread, user=qi_member)
    services.post_create(thread=thread, author=peer, body="We use a warm bay")
    assert Notification.objects.get(user=practitioner).kind == NotificationKind.REPLY
    assert Notification.objects.get(user=qi_member).kind == NotificationKind.FOLLOWED
    assert not Notification.objects.filter(user=peer).exists()


def test_mention_notifies_only_members_who_can_see_the_space(
    thread, peer, qi_member, national_team
):
    named(qi_member, "Grace Phiri")
    named(national_team, "Joseph Mensah")
    services.post_create(
        thread=thread,
        author=peer,
        body="@Grace Phiri and @Joseph Mensah any ideas?",
    )
    assert Notification.objects.filter(
        user=qi_member, kind=NotificationKind.MENTION
    ).exists()
    # The national team cannot read the district's space: never notified.
    assert not Notification.objects.filter(user=national_team).exists()


def test_anonymous_reply_notification_has_no_actor(practitioner, peer, spaces):
    named(peer, "Kofi Asante")
    thread = services.thread_create(
        space=spaces.safe, author=practitioner, title="Night shifts", body="Alone"
    )
    services.post_create(thread=thread, author=peer, body="Me too", anonymous=True)
    note = Notification.objects.get(user=practitioner)
    assert note.actor is None
    # Named as the thread shows the post: by its alias, never its author.
    assert note.actor_name == "Colleague A"


def test_anonymous_asker_marking_answer_stays_hidden(practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.safe,
        author=practitioner,
        title="How to report",
        body="?",
        kind="question",
        anonymous=True,
    )
    answer = services.post_create(thread=thread, author=peer, body="Like this")
    services.thread_mark_answer(thread=thread, post=answer, by=practitioner)
    assert Notification.objects.get(user=peer, kind="answer").actor is None


def test_space_mark_read_marks_every_thread(thread, peer, practitioner, spaces):
    services.post_create(thread=thread, author=practitioner, body="more")
    services.space_mark_read(user=peer, space=spaces.district)
    assert ThreadRead.objects.get(user=peer, thread=thread).last_read_number == 2


def test_anonymous_aliases_are_stable_in_a_thread_and_fresh_in_another(
    practitioner, peer, spaces
):
    first = services.thread_create(
        space=spaces.safe,
        author=practitioner,
        title="Hard night",
        body="We lost one",
        anonymous=True,
    )
    a2 = services.post_create(thread=first, author=peer, body="Me too", anonymous=True)
    a3 = services.post_create(
        thread=first, author=practitioner, body="Thanks", anonymous=True
    )
    opening = first.posts.get(number=1)
    assert (opening.byline, a2.byline, a3.byline) == (
        "Colleague A",
        "Colleague B",
        "Colleague A",
    )
    assert first.starter_name == "Colleague A"
    second = services.thread_create(
        space=spaces.safe, author=peer, title="Another", body="Hello", anonymous=True
    )
    assert second.posts.get(number=1).byline == "Colleague A"

"""A post hidden by flags stays visible to its author, who is told why and can edit it
to resubmit it; it reappears only when a moderator keeps it."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from community import services as community_services
from community.models import Role
from forums import services as forum_services
from forums.models import Space, Visibility
from moderation import services
from moderation.models import Action, Case, CaseReason, CaseStatus, Notice
from tests.factories import member


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def author(world):
    user = member(Role.PRACTITIONER, world.facility, email="author@example.org")
    community_services.profile_update(user=user, display_name="Nurse Author")
    return user


@pytest.fixture
def post(world, author):
    space = Space.objects.create(
        name="Maternal health", slug="maternal", visibility=Visibility.MEMBERS
    )
    thread = forum_services.thread_create(
        space=space, author=author, title="Night shifts", body="Start of the thread."
    )
    return forum_services.post_create(
        thread=thread, author=author, body="Our ward manager never listens."
    )


def flag_until_hidden(world, post):
    for _ in range(3):
        flagger = member(Role.PRACTITIONER, world.other_facility)
        services.flag_create(content=post, flagger=flagger, reason="blames_individual")
    post.refresh_from_db()
    assert post.hidden


def test_author_sees_why_and_resubmits_by_editing(client, world, author, post):
    flag_until_hidden(world, post)
    thread_url = post.thread.get_absolute_url()

    # The notice says what only a post's author can do: edit to resubmit.
    notice = Notice.objects.get(user=author)
    assert "You can edit it to resubmit it for review." in notice.text

    client.force_login(author)
    html = client.get(thread_url).content.decode()
    assert "Only you can see this post" in html
    assert "Flagged by members" in html
    assert "Our ward manager never listens." in html
    edit_url = reverse("forums:post_edit", args=[post.pk])
    assert edit_url in html
    page = client.get(edit_url).content.decode()
    assert "Saving your edit sends it back to the moderators" in page

    case = Case.objects.get()
    first_queued = case.created
    response = client.post(
        edit_url, {"body": "Handovers at night are hard; how do others do them?"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.hidden  # still hidden: a moderator decides
    case.refresh_from_db()
    assert case.status == CaseStatus.HELD
    assert "Handovers at night" in case.excerpt
    assert case.created >= first_queued
    follow = client.get(response["Location"]).content.decode()
    assert "Your edit is with the moderators" in follow


def test_others_see_it_hidden_and_never_the_new_text(client, world, author, post):
    flag_until_hidden(world, post)
    forum_services.post_edit(post=post, by=author, body="Edited: handovers at night.")
    reader = member(Role.PRACTITIONER, world.other_facility)
    client.force_login(reader)
    html = client.get(post.thread.get_absolute_url()).content.decode()
    assert "Hidden by a moderator." in html
    assert "handovers at night" not in html
    assert "Only you can see this post" not in html


def test_keep_after_resubmission_brings_it_back(world, author, post, moderator):
    flag_until_hidden(world, post)
    forum_services.post_edit(post=post, by=author, body="Handovers at night: ideas?")
    services.decision_make(
        content=post, moderator=moderator, action=Action.KEEP, reason="Fine now"
    )
    post.refresh_from_db()
    assert not post.hidden
    assert Case.objects.get().status == CaseStatus.RESOLVED


def test_a_post_hidden_by_a_decision_returns_to_the_queue_when_edited(
    world, author, post, moderator
):
    services.decision_make(
        content=post, moderator=moderator, action=Action.HIDE, reason="Names a person"
    )
    assert not Case.objects.exclude(status=CaseStatus.RESOLVED).exists()
    forum_services.post_edit(post=post, by=author, body="Without the name now.")
    case = Case.objects.exclude(status=CaseStatus.RESOLVED).get()
    assert case.reason == CaseReason.RESUBMITTED and case.status == CaseStatus.HELD

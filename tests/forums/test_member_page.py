"""What a signed-in thread page reads, and how little: the member's place in the
thread comes with the thread, their reactions and the thread's tags are kept, and
every change to them shows at the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import zones
from forums import services


@pytest.fixture
def thread(night_thread):
    return night_thread


def _tables(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_a_second_visit_reads_only_the_thread_and_its_posts(client, thread, peer):
    client.force_login(peer)
    url = thread.get_absolute_url()
    client.get(url)
    queries = _tables(client, url)
    joined = "\n".join(queries)
    for kept in ("forums_reaction", "taggit_tag", "community_membership"):
        assert kept not in joined, kept
    # Read state and following come inside the thread's own query.
    assert not any(
        q.lstrip().startswith('SELECT 1 AS "a" FROM "forums_follow"') for q in queries
    )
    assert sum("forums_threadread" in q for q in queries) <= 1


def test_reactions_given_and_taken_back_show_at_once(client, thread, peer):
    client.force_login(peer)
    url = thread.get_absolute_url()
    reply = thread.posts.get(number=2)
    assert 'value="tried" aria-pressed="false"' in client.get(url).content.decode()
    services.reaction_toggle(post=reply, user=peer, kind="tried")
    html = client.get(url).content.decode()
    assert 'value="tried" aria-pressed="true"' in html
    services.reaction_toggle(post=reply, user=peer, kind="tried")
    assert 'value="tried" aria-pressed="true"' not in client.get(url).content.decode()


def test_one_members_reactions_are_not_anothers(client, thread, peer, qi_member):
    reply = thread.posts.get(number=2)
    services.reaction_toggle(post=thread.posts.get(number=1), user=peer, kind="thanks")
    client.force_login(peer)
    client.get(thread.get_absolute_url())
    client.force_login(qi_member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' not in html
    assert reply.pk


def test_following_and_reading_show_at_once(client, thread, peer, qi_member):
    client.force_login(peer)
    url = thread.get_absolute_url()
    assert ">Follow</button>" in client.get(url).content.decode()
    services.thread_follow(thread=thread, user=peer)
    assert ">Unfollow</button>" in client.get(url).content.decode()
    services.post_create(thread=thread, author=qi_member, body="Any news?")
    assert "Jump to first unread" in client.get(url).content.decode()


def test_retagging_shows_to_members_at_once(client, thread, peer, practitioner):
    client.force_login(peer)
    url = thread.get_absolute_url()
    assert "#thermal care" in client.get(url).content.decode()
    services.thread_update(
        thread=thread, by=practitioner, title=thread.title, tags=["kangaroo care"]
    )
    html = client.get(url).content.decode()
    assert "#kangaroo care" in html and "#thermal care" not in html


def test_a_session_without_the_zone_learns_it_once(client, thread, peer):
    """A session begun before the zone was kept in it (or by a script) reads the
    profile once, then keeps the choice."""
    client.force_login(peer)
    session = client.session
    del session[zones.SESSION_KEY]
    session.save()
    url = thread.get_absolute_url()
    client.get(url)
    assert zones.SESSION_KEY in client.session
    lookup = 'SELECT "community_profile"."timezone"'
    assert not any(q.startswith(lookup) for q in _tables(client, url))

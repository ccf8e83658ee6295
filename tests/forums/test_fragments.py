"""Readers share cached renderings of a thread page's posts, keyed by everything
they show: a change to any post is seen at once, members share only with members who
have the same controls, and each member's forms carry their own token."""

import re

import pytest
from django.core.cache import cache

from forums import fragments, services


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def thread(spaces, practitioner, qi_member):
    thread = services.thread_create(
        space=spaces.public,
        author=practitioner,
        title="Warm chain at night",
        body="We keep a cot warmer on every night shift.",
    )
    services.post_create(thread=thread, author=qi_member, body="Which warmer model?")
    return thread


def _renders(monkeypatch) -> list:
    calls = []
    render = fragments.render_to_string

    def counted(*args, **kwargs):
        calls.append(1)
        return render(*args, **kwargs)

    monkeypatch.setattr(fragments, "render_to_string", counted)
    return calls


def test_visitors_share_one_rendering(client, thread, monkeypatch):
    renders = _renders(monkeypatch)
    first = client.get(thread.get_absolute_url()).content.decode()
    second = client.get(thread.get_absolute_url()).content.decode()
    assert len(renders) == 1
    assert "Which warmer model?" in first and "Which warmer model?" in second


def test_an_edit_a_reaction_and_a_hidden_post_show_at_once(
    client, thread, qi_member, practitioner
):
    url = thread.get_absolute_url()
    client.get(url)
    reply = thread.posts.get(number=2)
    services.post_edit(post=reply, by=qi_member, body="Which warmer brand?")
    assert "Which warmer brand?" in client.get(url).content.decode()
    services.reaction_toggle(post=reply, user=practitioner, kind="helpful")
    assert "Helpful 1" in client.get(url).content.decode()
    services.post_set_hidden(post=thread.posts.get(number=2), hidden=True)
    html = client.get(url).content.decode()
    assert "Which warmer brand?" not in html
    assert "Hidden by a moderator." in html


def test_members_get_their_own_controls_and_their_own_token(
    client, thread, qi_member, practitioner, monkeypatch
):
    client.get(thread.get_absolute_url())  # a visitor's rendering is not a member's
    renders = _renders(monkeypatch)
    client.force_login(qi_member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert len(renders) == 1
    assert 'name="kind" value="helpful"' in html  # their reaction buttons
    token = client.cookies["csrftoken"].value
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert tokens and fragments._placeholder() not in html
    # Every form carries a token that goes with this member's cookie.
    assert all(_unmask(t) == token for t in tokens)
    # Their own post has Edit; the other's has Flag.
    assert html.count(">Edit</a>") == 1 and html.count(">Flag</a>") == 1

    # The author of the first post, reading the same page: other controls, own render.
    client.force_login(practitioner)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert len(renders) == 2
    assert html.count(">Edit</a>") == 1 and html.count(">Flag</a>") == 1


def test_members_with_the_same_controls_share_a_rendering(
    client, thread, coach, district_lead, monkeypatch
):
    renders = _renders(monkeypatch)
    for reader in (coach, district_lead):
        client.force_login(reader)
        response = client.get(thread.get_absolute_url())
        assert response.status_code == 200
    assert len(renders) == 1


def test_a_reaction_changes_only_the_reactors_rendering(
    client, thread, qi_member, practitioner
):
    client.force_login(qi_member)
    reply = thread.posts.get(number=2)
    services.reaction_toggle(
        post=thread.posts.get(number=1), user=qi_member, kind="tried"
    )
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'value="tried" aria-pressed="true"' in html
    client.force_login(practitioner)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'value="tried" aria-pressed="true"' not in html
    assert reply.pk


def _unmask(token: str) -> str:
    from django.middleware.csrf import _unmask_cipher_token

    return _unmask_cipher_token(token)


def test_the_shared_html_carries_no_token_or_personal_control(
    client, thread, monkeypatch
):
    stored = {}
    monkeypatch.setattr(
        fragments.cache, "set", lambda key, value, timeout: stored.update({key: value})
    )
    client.get(thread.get_absolute_url())
    [html] = [v for k, v in stored.items() if k.startswith("forums:posts:")]
    assert "Which warmer model?" in html
    assert "csrfmiddlewaretoken" not in html
    assert "/edit/" not in html and "/flag" not in html

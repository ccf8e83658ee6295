"""Pages: anonymity in HTML, forms, permalinks, read state, query budgets, weight."""

import gzip
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from forums import services
from forums.models import Post, ThreadRead

from .conftest import named

STATIC = Path(settings.BASE_DIR)


@pytest.fixture
def safe_thread(practitioner, peer, spaces):
    named(practitioner, "Kofi Asante")
    named(peer, "Esther Banda")
    thread = services.thread_create(
        space=spaces.safe,
        author=practitioner,
        title="I gave the wrong dose",
        body="Nobody noticed.",
        anonymous=True,
    )
    services.post_create(thread=thread, author=peer, body="Thank you for saying it")
    services.post_create(
        thread=thread, author=practitioner, body="Reporting now", anonymous=True
    )
    return thread


@pytest.mark.parametrize(
    "viewer", ["district_lead", "facility_lead", "moderator", "national_team", "peer"]
)
def test_anonymous_author_hidden_on_thread_page(
    viewer, request, client, safe_thread, practitioner
):
    client.force_login(request.getfixturevalue(viewer))
    html = client.get(safe_thread.get_absolute_url()).content.decode()
    assert "Colleague A" in html  # an alias, stable within the thread
    assert "Esther Banda" in html  # named posts keep their author
    assert "Kofi Asante" not in html
    assert practitioner.username not in html
    assert practitioner.email not in html


def test_anonymous_author_hidden_in_space_list(
    client, district_lead, safe_thread, spaces
):
    client.force_login(district_lead)
    html = client.get(spaces.safe.get_absolute_url()).content.decode()
    assert "I gave the wrong dose" in html
    assert "Kofi Asante" not in html


def test_reactors_of_anonymous_post_not_listed(client, peer, safe_thread):
    post = safe_thread.posts.get(number=1)
    services.reaction_toggle(post=post, user=peer, kind="thanks")
    client.force_login(peer)
    assert (
        client.get(reverse("forums:post_reactions", args=[post.pk])).status_code == 404
    )


def test_reactors_in_a_safe_space_not_listed(client, practitioner, peer, safe_thread):
    """Even on a named post: in a safe space a reaction is itself an admission."""
    post = safe_thread.posts.get(number=2)
    services.reaction_toggle(post=post, user=practitioner, kind="helpful")
    client.force_login(peer)
    url = reverse("forums:post_reactions", args=[post.pk])
    assert client.get(url).status_code == 404
    html = client.get(safe_thread.get_absolute_url()).content.decode()
    assert url not in html and "Helpful 1" in html


def test_reactors_of_named_post_listed(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.public, author=peer, title="Open question", body="What works?"
    )
    post = thread.posts.get(number=1)
    services.reaction_toggle(post=post, user=practitioner, kind="helpful")
    client.force_login(peer)
    html = client.get(reverse("forums:post_reactions", args=[post.pk])).content.decode()
    named(practitioner, "Grace Mwale")
    html = client.get(reverse("forums:post_reactions", args=[post.pk])).content.decode()
    assert "Grace Mwale" in html


def test_visitor_reads_public_space_but_not_members_space(client, practitioner, spaces):
    services.thread_create(
        space=spaces.members, author=practitioner, title="Members only", body="x"
    )
    services.thread_create(
        space=spaces.public, author=practitioner, title="For everyone", body="x"
    )
    index = client.get(reverse("forums:index")).content.decode()
    assert "Newborn care" in index and "IPC" not in index
    response = client.get(spaces.members.get_absolute_url())
    assert response.status_code == 302 and "login" in response["Location"]


def test_outsider_gets_403_on_organisation_space(client, outsider, spaces):
    client.force_login(outsider)
    assert client.get(spaces.district.get_absolute_url()).status_code == 403


def test_start_thread_and_reshow_typed_text_on_error(client, practitioner, spaces):
    client.force_login(practitioner)
    url = reverse("forums:thread_create", args=[spaces.public.slug])
    response = client.post(
        url, {"title": "", "kind": "discussion", "body": "My long careful text"}
    )
    assert response.status_code == 200
    assert "My long careful text" in response.content.decode()
    response = client.post(
        url,
        {"title": "Warm chain", "kind": "discussion", "body": "Ideas?", "tags": "KMC"},
    )
    assert response.status_code == 302
    assert "Warm chain" in client.get(response["Location"]).content.decode()


def test_anonymous_checkbox_only_in_safe_space(client, practitioner, spaces):
    client.force_login(practitioner)
    safe = client.get(reverse("forums:thread_create", args=[spaces.safe.slug]))
    public = client.get(reverse("forums:thread_create", args=[spaces.public.slug]))
    assert 'name="anonymous"' in safe.content.decode()
    assert 'name="anonymous"' not in public.content.decode()


def test_reply_form_posts_and_redirects_to_permalink(
    client, practitioner, peer, spaces
):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="x"
    )
    client.force_login(peer)
    response = client.post(reverse("forums:reply", args=[thread.pk]), {"body": "Hello"})
    post = Post.objects.get(thread=thread, number=2)
    assert response["Location"].endswith(f"#post-{post.ref}")


def test_quote_reply_prefills_quoted_text(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="Warm the room"
    )
    client.force_login(peer)
    opening = thread.posts.get()
    html = client.get(
        reverse("forums:reply", args=[thread.pk]) + f"?quote={opening.ref}"
    ).content.decode()
    assert "&gt; Warm the room" in html


@override_settings(FORUMS={"POSTS_PER_PAGE": 5})
def test_permalinks_land_on_the_right_page(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.public, author=practitioner, title="Long", body="start"
    )
    posts = [
        services.post_create(thread=thread, author=peer, body=f"reply number {i}")
        for i in range(2, 13)
    ]
    twelfth = posts[-1]
    assert twelfth.number == 12
    response = client.get(twelfth.get_absolute_url())
    assert (
        response["Location"] == f"{thread.get_absolute_url()}?page=3#post-{twelfth.ref}"
    )
    page = client.get(f"{thread.get_absolute_url()}?page=3").content.decode()
    assert f'id="post-{twelfth.ref}"' in page
    fifth = posts[3]
    assert fifth.number == 5
    assert client.get(fifth.get_absolute_url())["Location"].endswith(
        f"/#post-{fifth.ref}"
    )


@override_settings(FORUMS={"POSTS_PER_PAGE": 5})
def test_read_state_and_jump_to_first_unread(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.public, author=practitioner, title="Long", body="start"
    )
    for i in range(2, 9):
        services.post_create(thread=thread, author=practitioner, body=f"r{i}")
    client.force_login(peer)
    client.get(thread.get_absolute_url())  # reads posts 1-5
    assert ThreadRead.objects.get(user=peer, thread=thread).last_read_number == 5
    sixth = Post.objects.get(thread=thread, number=6)
    response = client.get(reverse("forums:thread_unread", args=[thread.pk]))
    assert response["Location"].endswith(f"?page=2#post-{sixth.ref}")
    space_html = client.get(spaces.public.get_absolute_url()).content.decode()
    assert "3 new" in space_html
    index_html = client.get(reverse("forums:index")).content.decode()
    assert "1 unread thread" in index_html


def test_bell_shows_unread_count(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="x"
    )
    services.post_create(thread=thread, author=peer, body="answer")
    client.force_login(practitioner)
    html = client.get(reverse("forums:index")).content.decode()
    assert 'class="count"' in html and "1 unread" in html
    client.post(reverse("forums:notifications"))
    html = client.get(reverse("forums:index")).content.decode()
    assert 'class="count"' not in html


def test_mark_answer_through_the_page(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.district,
        author=practitioner,
        title="Q",
        body="?",
        kind="question",
    )
    answer = services.post_create(thread=thread, author=peer, body="This")
    client.force_login(practitioner)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Mark as the answer that helped" in html
    client.post(reverse("forums:thread_answer", args=[thread.pk]), {"post": answer.ref})
    thread.refresh_from_db()
    assert thread.accepted_answer_id == answer.pk


def test_history_is_for_moderators(client, practitioner, coach, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="first words"
    )
    post = thread.posts.get()
    services.post_edit(post=post, by=practitioner, body="second words")
    url = reverse("forums:post_history", args=[post.pk])
    client.force_login(practitioner)
    assert client.get(url).status_code == 403
    client.force_login(coach)
    assert "first words" in client.get(url).content.decode()
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "(edited)" in page


def _fill(thread, authors, count):
    for i in range(count - 1):
        services.post_create(
            thread=thread,
            author=authors[i % len(authors)],
            body=f"reply {i}",
            anonymous=False,
        )


def _query_count(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
# The view's own queries: a visitor's kept page costs none (test_visitor_pages).
@override_settings(
    FORUMS={"POSTS_PER_PAGE": 50, "THREADS_PER_PAGE": 50},
    COMMUNITY={"PAGE_CACHE_SECONDS": 0},
)
def test_thread_page_queries_constant(
    signed_in,
    client,
    practitioner,
    peer,
    qi_member,
    facility_lead,
    spaces,
    django_assert_max_num_queries,
):
    authors = [
        named(u, f"Name {i}")
        for i, u in enumerate([practitioner, peer, qi_member, facility_lead])
    ]
    small = services.thread_create(
        space=spaces.public, author=practitioner, title="S", body="x"
    )
    big = services.thread_create(
        space=spaces.public, author=practitioner, title="B", body="x"
    )
    _fill(small, authors, 5)
    _fill(big, authors, 50)
    for post in Post.objects.filter(thread=big)[:10]:
        services.reaction_toggle(post=post, user=peer, kind="helpful")
    if signed_in:
        client.force_login(peer)
    client.get(small.get_absolute_url())  # warm: first read-state write
    client.get(big.get_absolute_url())
    baseline = _query_count(
        client, small.get_absolute_url(), django_assert_max_num_queries
    )
    services.post_create(thread=big, author=practitioner, body="one more unread")
    # +1: the thread changed, so its kept tags are read again; +1: the read mark
    # moves; and for the member, +1: the new post notified them, which dropped the
    # kept bell count, so this page counts it again.
    with django_assert_max_num_queries(baseline + 2 + signed_in):
        html = client.get(big.get_absolute_url()).content.decode()
    assert html.count('<article class="post') == 50


@pytest.mark.parametrize("signed_in", [False, True])
@override_settings(FORUMS={"POSTS_PER_PAGE": 50, "THREADS_PER_PAGE": 50})
def test_space_page_queries_constant(
    signed_in,
    client,
    practitioner,
    peer,
    qi_member,
    spaces,
    django_assert_max_num_queries,
):
    authors = [
        named(u, f"Name {i}") for i, u in enumerate([practitioner, peer, qi_member])
    ]
    for i in range(5):
        services.thread_create(
            space=spaces.public,
            author=authors[i % 3],
            title=f"small {i}",
            body="x",
            tags=[f"t{i}"],
        )
    for i in range(50):
        thread = services.thread_create(
            space=spaces.members,
            author=authors[i % 3],
            title=f"big {i}",
            body="x",
            tags=[f"t{i}"],
        )
        services.post_create(thread=thread, author=authors[(i + 1) % 3], body="reply")
    if signed_in:
        client.force_login(peer)
        client.get(spaces.public.get_absolute_url())
    else:
        spaces.members.visibility = "public"
        spaces.members.save()
    baseline = _query_count(
        client, spaces.public.get_absolute_url(), django_assert_max_num_queries
    )
    with django_assert_max_num_queries(baseline):
        html = client.get(spaces.members.get_absolute_url()).content.decode()
    assert html.count('class="thread-row') == 50


def test_thread_page_weight_under_30kb_gzip(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.public, author=practitioner, title="Weigh me", body="x" * 10
    )
    text = (
        "We moved all low-birth-weight babies to the bay beside the nurses' desk and "
        "gave mothers a wrap with a pocket. Temperatures every 3 hours on a wall "
        "chart, ticked by whoever passes. **It worked** for us in three months. "
    ) * 2
    for i in range(19):
        services.post_create(
            thread=thread, author=peer if i % 2 else practitioner, body=f"{i} {text}"
        )
    client.force_login(peer)
    html = client.get(thread.get_absolute_url()).content
    assets = [
        "cop_site/static/cop_site/site.css",
        "cop_site/static/cop_site/site.js",
        "forums/static/forums/forums.css",
        "forums/static/forums/forums.js",
        "forums/static/forums/mention.js",  # the reply box's mention suggestions
    ]
    assert b"forums/mention.js" in html
    total = len(gzip.compress(html)) + sum(
        len(gzip.compress((STATIC / a).read_bytes())) for a in assets
    )
    assert html.count(b'<article class="post') == 20
    assert total <= 30 * 1024, total

"""Mentions by display name (``community.mentions``): who is found, who is told, who
may ask for suggestions, and that no opaque username shows anywhere."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from community import services as community_services
from community.adapters import opaque_username
from community.mentions import Mentions, fold, profile_url
from community.models import Role
from community.text import render, render_plain
from forums import chat, services
from forums.models import Notification, NotificationKind, Post
from tests.factories import member

from .conftest import named

HANDLE = re.compile(r"\bm-[0-9a-f]{12}\b")


def _told(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=NotificationKind.MENTION))


def _everyone_reads(_user) -> bool:
    return True


@pytest.fixture
def thread(practitioner, spaces):
    named(practitioner, "Amina Diallo")
    return services.thread_create(
        space=spaces.district,
        author=practitioner,
        title="Keeping babies warm at night",
        body="What works for you?",
    )


# --- The rule: longest name, readers only, once ------------------------------------------


def test_fold_ignores_case_accents_and_spacing():
    assert fold("  Élodie   NGOZI ") == "elodie ngozi"
    assert fold("Amina Uwase") == fold("amina  uwase")


def test_mention_by_display_name_notifies_and_links(thread, peer, qi_member):
    named(qi_member, "Grace Phiri")
    post = services.post_create(
        thread=thread, author=peer, body="@Grace Phiri, what do you think?"
    )
    [note] = _told(qi_member)
    assert note.post == post
    link = f'<a class="mention" href="{profile_url(qi_member.pk)}">@Grace Phiri</a>'
    assert link in post.body_html
    assert post.body == "@Grace Phiri, what do you think?"  # the source as typed


def test_multi_word_names_take_the_longest_match(world, thread, peer, qi_member):
    named(qi_member, "Amina Uwase")
    amina = named(member(Role.PRACTITIONER, world.facility), "Amina")
    post = services.post_create(
        thread=thread, author=peer, body="Thanks @amina uwase! And @AMINA too."
    )
    assert f'href="{profile_url(qi_member.pk)}">@Amina Uwase</a>!' in post.body_html
    assert f'href="{profile_url(amina.pk)}">@Amina</a> too' in post.body_html
    assert len(_told(qi_member)) == 1 and len(_told(amina)) == 1


def test_accents_and_word_boundaries(world, thread, peer):
    elodie = named(member(Role.PRACTITIONER, world.facility), "Élodie Ngozi")
    amina = named(member(Role.PRACTITIONER, world.facility), "Amina")
    post = services.post_create(
        thread=thread,
        author=peer,
        body="@elodie ngozi yes. @Aminata is someone else; mail amina@example.org",
    )
    assert "@Élodie Ngozi</a>" in post.body_html
    assert profile_url(amina.pk) not in post.body_html
    assert _told(elodie) and not _told(amina)


def test_member_who_cannot_read_is_neither_linked_nor_told(thread, peer, national_team):
    # The national team cannot read a district's organisation space.
    named(national_team, "Joseph Mensah")
    post = services.post_create(thread=thread, author=peer, body="@Joseph Mensah?")
    assert profile_url(national_team.pk) not in post.body_html
    assert "mention" not in post.body_html
    assert not Notification.objects.filter(user=national_team).exists()


def test_a_non_readers_longer_name_never_falls_back_to_a_readers_shorter_one(
    world, thread, peer, national_team
):
    named(national_team, "Amina Uwase")
    amina = named(member(Role.PRACTITIONER, world.facility), "Amina")
    post = services.post_create(thread=thread, author=peer, body="@Amina Uwase hi")
    assert "mention" not in post.body_html
    assert not _told(amina) and not _told(national_team)


def test_two_readers_with_one_name_mention_nobody_until_a_link_picks_one(
    world, thread, peer
):
    first = named(member(Role.PRACTITIONER, world.facility), "Grace Banda")
    second = named(member(Role.PRACTITIONER, world.facility), "Grace Banda")
    post = services.post_create(thread=thread, author=peer, body="@Grace Banda?")
    assert "mention" not in post.body_html
    assert not _told(first) and not _told(second)
    link = f"https://learn.example.org{profile_url(second.pk)}"
    post = services.post_create(thread=thread, author=peer, body=f"Asking {link} too")
    assert f'href="{profile_url(second.pk)}">@Grace Banda</a> too' in post.body_html
    assert _told(second) and not _told(first)


def test_a_pasted_profile_link_of_a_non_reader_stays_a_plain_link(
    thread, peer, national_team
):
    named(national_team, "Joseph Mensah")
    link = f"http://testserver{profile_url(national_team.pk)}"
    post = services.post_create(thread=thread, author=peer, body=f"see {link}")
    assert "Joseph Mensah" not in post.body_html
    assert 'class="mention"' not in post.body_html
    assert not Notification.objects.filter(user=national_team).exists()


def test_mentions_in_code_are_ignored_and_in_quotes_do_not_notify(
    thread, peer, qi_member
):
    named(qi_member, "Grace Phiri")
    post = services.post_create(
        thread=thread,
        author=peer,
        body="`@Grace Phiri`\n\n    @Grace Phiri\n\n> @Grace Phiri said so",
    )
    assert post.body_html.count('class="mention"') == 1  # the quote's only
    assert "<code>@Grace Phiri</code>" in post.body_html
    assert not _told(qi_member)


def test_edits_tell_newly_mentioned_members_once(thread, peer, qi_member, coach):
    named(qi_member, "Grace Phiri")
    named(coach, "Kofi Asante")
    post = services.post_create(thread=thread, author=peer, body="@Grace Phiri hi")
    services.post_edit(post=post, by=peer, body="@Grace Phiri hi again")
    assert len(_told(qi_member)) == 1
    services.post_edit(post=post, by=peer, body="@Grace Phiri and @Kofi Asante")
    services.post_edit(post=post, by=peer, body="@Kofi Asante only")
    services.post_edit(post=post, by=peer, body="@Grace Phiri and @Kofi Asante")
    assert len(_told(qi_member)) == 1 and len(_told(coach)) == 1


def test_a_held_thread_tells_its_mentions_only_when_kept(
    spaces, practitioner, qi_member
):
    named(qi_member, "Grace Phiri")
    thread = services.thread_create(
        space=spaces.district,
        author=practitioner,
        title="Who can call the family?",
        body="@Grace Phiri: the number is 0412 339 551",  # a phone number: held
    )
    post = Post.objects.select_related("thread__space").get(thread=thread, number=1)
    assert post.hidden
    assert not _told(qi_member)
    services.post_set_hidden(post=post, hidden=False)  # a moderator keeps it
    services.post_set_hidden(post=post, hidden=False)
    assert len(_told(qi_member)) == 1


def test_self_mentions_notify_nobody(thread, practitioner):
    post = services.post_create(
        thread=thread, author=practitioner, body="As @Amina Diallo said"
    )
    assert 'class="mention"' in post.body_html
    assert not _told(practitioner)


def test_at_most_max_mentions_are_told(world, thread, peer, settings):
    settings.FORUMS = {**getattr(settings, "FORUMS", {}), "MAX_MENTIONS": 2}
    people = [
        named(member(Role.PRACTITIONER, world.facility), f"Nurse {chr(65 + i)}")
        for i in range(4)
    ]
    services.post_create(
        thread=thread,
        author=peer,
        body=" ".join(f"@Nurse {chr(65 + i)}" for i in range(4)),
    )
    assert sum(len(_told(p)) for p in people) == 2


def test_mention_markup_is_escaped():
    class Profile:
        def __init__(self, pk, name):
            self.user_id = pk
            self.display_name = name
            self.user = type("U", (), {"pk": pk})()

    mentions = Mentions("", can_read=_everyone_reads)
    mentions._by_key = {fold("<b>Kofi</b> & co"): Profile(3, "<b>Kofi</b> & co")}
    html = render("Hi @<b>Kofi</b> & co <i>x</i>", mentions=mentions)
    assert "<b>" not in html and "<i>" not in html
    assert "@&lt;b&gt;Kofi&lt;/b&gt; &amp; co</a>" in html


def test_render_without_mentions_is_unchanged():
    assert render("@Anyone **bold**") == "<p>@Anyone <strong>bold</strong></p>\n"


# --- Anonymous posts --------------------------------------------------------------------


def test_anonymous_posts_mention_never_names_the_author(
    client,
    practitioner,
    peer,
    qi_member,
    spaces,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    frames = []
    monkeypatch.setattr(
        services, "broadcast_on_commit", lambda group, event: frames.append(event)
    )
    named(peer, "Kofi Asante")
    named(qi_member, "Grace Phiri")
    thread = services.thread_create(
        space=spaces.safe, author=practitioner, title="Night shifts", body="Alone"
    )
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(
            thread=thread,
            author=peer,
            body="@Grace Phiri it happens to me too",
            anonymous=True,
        )
    [note] = _told(qi_member)
    assert note.actor is None and note.actor_name == "Colleague A"
    # The email.
    [email] = [m for m in mail.outbox if m.to == [qi_member.email]]
    everything = email.subject + email.body + email.alternatives[0][0]
    for leak in ("Kofi Asante", peer.email, peer.username, profile_url(peer.pk)):
        assert leak not in everything
    assert "Colleague A" in email.subject
    # The bell's page.
    client.force_login(qi_member)
    html = client.get("/forums/notifications/").content.decode()
    assert "Colleague A mentioned you" in html and "Kofi Asante" not in html
    # The post itself, and the live frame sent to readers (JSON).
    assert profile_url(peer.pk) not in post.body_html
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Kofi Asante" not in page and profile_url(peer.pk) not in page
    import json

    [frame] = [json.dumps(f) for f in frames if f["type"] == "post.created"]
    assert "Grace Phiri" in frame  # the mention is there ...
    assert (
        "Kofi Asante" not in frame and profile_url(peer.pk) not in frame
    )  # ... not who


# --- Chat ----------------------------------------------------------------------------------


def test_chat_messages_link_mentions_of_readers_only(
    spaces, peer, qi_member, national_team
):
    named(qi_member, "Grace Phiri")
    named(national_team, "Joseph Mensah")
    room = chat.room_for_space(space=spaces.district)
    message, _ = chat.message_send(
        room=room,
        author=peer,
        body="@Grace Phiri and @Joseph Mensah",
        client_id="6f1c1c4e-8f3b-4c47-9d0e-3c4a6b1f2a10",
        rate_limited=False,
    )
    assert f'href="{profile_url(qi_member.pk)}">@Grace Phiri</a>' in message.body_html
    assert "Joseph Mensah" in message.body_html  # as typed, not a link
    assert profile_url(national_team.pk) not in message.body_html


def test_render_plain_keeps_line_breaks_around_mentions(thread, qi_member):
    named(qi_member, "Grace Phiri")
    mentions = Mentions("@Grace Phiri", can_read=_everyone_reads)
    html = render_plain("hi\n@Grace Phiri\nbye", mentions=mentions)
    assert html.startswith('hi<br><a class="mention"') and html.endswith("</a><br>bye")


# --- Suggestions ----------------------------------------------------------------------------


def _suggest(client, space, q: str):
    return client.get(f"/forums/s/{space.slug}/mentions/", {"q": q})


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_visitors_get_no_suggestions(client, spaces, qi_member):
    named(qi_member, "Grace Phiri")
    response = _suggest(client, spaces.public, "Gr")
    assert response.status_code == 403
    assert "Grace" not in response.content.decode()


def test_suggestions_for_a_private_space_only_to_its_members(
    client, spaces, coach, qi_member, practitioner
):
    named(coach, "Coach Chanda")
    named(qi_member, "Grace Phiri")
    client.force_login(practitioner)  # not invited
    response = _suggest(client, spaces.private, "Co")
    assert response.status_code == 404
    assert "Chanda" not in response.content.decode()
    # A member of the private space sees its members, and nobody else.
    services.space_invite(space=spaces.private, user=practitioner, by=coach)
    services.space_invitation_accept(space=spaces.private, user=practitioner)
    response = _suggest(client, spaces.private, "C")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["Coach Chanda"]
    assert not _suggest(client, spaces.private, "Grace").json()["results"]


def test_suggestions_offer_readers_by_any_word_and_nothing_private(
    client, spaces, practitioner, qi_member, national_team, peer
):
    named(qi_member, "Grace Phiri")
    named(national_team, "Grace Mensah")  # cannot read the district space
    named(peer, "Kofi Asante")
    client.force_login(practitioner)
    data = _suggest(client, spaces.district, "gra").json()
    assert data == {
        "results": [
            {
                "name": "Grace Phiri",
                "insert": "@Grace Phiri",
                "url": profile_url(qi_member.pk),
            }
        ]
    }
    assert _suggest(client, spaces.district, "phi").json()["results"][0]["name"] == (
        "Grace Phiri"
    )
    raw = _suggest(client, spaces.members, "g").content.decode()
    assert "Grace Mensah" in raw  # a members' space: everyone can read it
    for private in (qi_member.email, qi_member.username, national_team.email):
        assert private not in raw


def test_suggestions_leave_out_hidden_nameless_inactive_and_the_asker(
    client, spaces, world, practitioner
):
    named(practitioner, "Grace Asker")
    hidden = named(member(Role.PRACTITIONER, world.facility), "Grace Hidden")
    hidden.profile.hidden = True
    hidden.profile.save()
    gone = named(member(Role.PRACTITIONER, world.facility), "Grace Gone")
    gone.is_active = False
    gone.save()
    member(Role.PRACTITIONER, world.facility)  # no display name
    client.force_login(practitioner)
    assert _suggest(client, spaces.members, "grace").json() == {"results": []}
    assert _suggest(client, spaces.members, "").json() == {"results": []}


def test_same_name_suggestions_insert_the_profile_link(client, spaces, world, peer):
    first = named(member(Role.PRACTITIONER, world.facility), "Grace Banda")
    named(member(Role.PRACTITIONER, world.facility), "Grace Banda")
    client.force_login(peer)
    results = _suggest(client, spaces.members, "grace b").json()["results"]
    assert len(results) == 2
    assert results[0]["insert"] == f"http://testserver{profile_url(first.pk)}"


def test_suggestions_are_rate_limited(client, spaces, practitioner, settings):
    settings.FORUMS = {**getattr(settings, "FORUMS", {}), "MENTION_LOOKUP_RATE": "2/60"}
    client.force_login(practitioner)
    assert _suggest(client, spaces.members, "a").status_code == 200
    assert _suggest(client, spaces.members, "b").status_code == 200
    refused = _suggest(client, spaces.members, "c")
    assert refused.status_code == 429 and refused["Retry-After"]


def test_suggestions_are_capped(client, spaces, world, practitioner):
    for i in range(12):
        named(member(Role.PRACTITIONER, world.facility), f"Nurse {i:02d}")
    client.force_login(practitioner)
    assert len(_suggest(client, spaces.members, "nurse").json()["results"]) == 8


def test_room_suggestions_follow_the_rooms_readers(
    client, spaces, practitioner, qi_member, outsider
):
    named(qi_member, "Grace Phiri")
    room = chat.room_for_space(space=spaces.facility)
    url = f"/forums/chat/{room.pk}/mentions/"
    client.force_login(outsider)
    assert client.get(url, {"q": "gr"}).status_code == 404
    client.force_login(practitioner)
    results = client.get(url, {"q": "gr"}).json()["results"]
    assert [r["name"] for r in results] == ["Grace Phiri"]


# --- Members' pages, and no opaque handles ---------------------------------------------------


def test_member_page_says_how_to_mention(client, qi_member, practitioner):
    named(qi_member, "Grace Phiri")
    url = profile_url(qi_member.pk)
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(practitioner)
    html = client.get(url).content.decode()
    assert "<code>@Grace Phiri</code>" in html
    assert f'value="http://testserver{url}"' in html
    assert qi_member.email not in html


def test_member_page_of_a_hidden_or_nameless_member_is_not_found(
    client, qi_member, practitioner
):
    client.force_login(practitioner)
    assert client.get(profile_url(qi_member.pk)).status_code == 404  # no name
    named(qi_member, "Grace Phiri")
    qi_member.profile.hidden = True
    qi_member.profile.save()
    assert client.get(profile_url(qi_member.pk)).status_code == 404


def test_no_opaque_handle_on_any_page_a_member_sees(
    client, thread, peer, qi_member, practitioner, spaces
):
    for user, name in ((peer, "Kofi Asante"), (qi_member, "Grace Phiri")):
        user.username = opaque_username()
        user.save()
        named(user, name)
        community_services.profile_set_directory(user=user, listed=True)
    practitioner.username = opaque_username()
    practitioner.save()
    services.post_create(thread=thread, author=peer, body="@Grace Phiri look")
    services.post_create(thread=thread, author=qi_member, body="Thanks @Kofi Asante")
    pages = [
        thread.get_absolute_url(),
        spaces.district.get_absolute_url(),
        "/forums/notifications/",
        "/community/directory/",
        "/community/profile/",
        profile_url(peer.pk),
        f"/forums/t/{thread.ref}/reply/",
    ]
    client.force_login(qi_member)
    for path in pages:
        html = client.get(path).content.decode()
        assert not HANDLE.search(html), path
        for user in (peer, qi_member, practitioner):
            assert user.username not in html, path
    thread_html = client.get(thread.get_absolute_url()).content.decode()
    assert f'<a href="{profile_url(peer.pk)}">Kofi Asante</a>' in thread_html
    assert "@username" not in thread_html


def test_thread_page_queries_stay_flat_with_mentions(
    client, thread, world, peer, django_assert_max_num_queries
):
    people = [
        named(member(Role.PRACTITIONER, world.facility), f"Nurse {i:02d}")
        for i in range(6)
    ]
    client.force_login(peer)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(thread.get_absolute_url()).status_code == 200
        return len(queries)

    services.post_create(thread=thread, author=peer, body="@Nurse 00 hi")
    few = count()
    for i in range(17):
        author = people[i % 6]
        services.post_create(
            thread=thread,
            author=author,
            body=f"@Nurse {(i + 1) % 6:02d} and @Amina Diallo, see above",
        )
    assert Post.objects.filter(thread=thread).count() == 19
    assert count() <= few

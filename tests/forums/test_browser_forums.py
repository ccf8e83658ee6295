"""The journey from the issue, in Chromium: a practitioner asks in a district space,
a peer from another facility answers, the asker marks it as the answer that helped,
and the answerer sees the notification."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from community.demo import demo_password
from tests.browser import conftest as browser_fixtures
from tests.browser.chat_journey import chat_like_a_person
from tests.browser.helpers import (
    axe_check,
    login,
    off_the_loop,
)
from tests.servers import Server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# tests/browser's per-test fixtures; Chromium itself is up for this module only.
migrated_db = browser_fixtures.migrated_db
context = browser_fixtures.context
page = browser_fixtures.page

TITLE = "How do you keep small babies warm at night?"
# Screenshots a person can look at after a run (ignored by git).
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SHOTS.mkdir(exist_ok=True)


@pytest.fixture
def district_space(live_server, django_db_serialized_rollback):
    from forums import services
    from forums.models import Visibility
    from tests.factories import seed_foundation

    def seed():
        seeded = seed_foundation()
        return services.space_create(
            name="Northern Hills district network",
            slug="northern-hills-network",
            visibility=Visibility.ORGANISATION,
            organisation=seeded["organisations"]["northern-hills"],
        )

    return off_the_loop(seed)


def test_question_answered_by_a_peer_and_marked_helpful(
    browser, district_space, page, context
):
    # The practitioner at Hillside asks in the district space.
    login(page, "practitioner@demo.example", demo_password())
    page.goto("/forums/")
    page.get_by_role("link", name="Northern Hills district network").click()
    page.get_by_role("link", name="Start a thread").click()
    page.fill("#id_title", TITLE)
    page.select_option("#id_kind", "question")
    page.fill("#id_body", "One nurse for 14 babies at night. What works for you?")
    with page.expect_navigation():
        page.get_by_role("button", name="Post thread").click()
    assert page.locator("h1").inner_text() == TITLE
    thread_url = page.url

    # A peer from Kato Health Centre, another facility of the district, answers.
    peer = context.browser.new_context(base_url=page.url.split("/forums/")[0])
    peer_page = peer.new_page()
    login(peer_page, "safe.poster@demo.example", demo_password())
    peer_page.goto(thread_url)
    axe_check(peer_page)
    peer_page.fill("#id_body", "Move the small babies beside the nurses' desk.")
    with peer_page.expect_navigation():
        peer_page.get_by_role("button", name="Post reply").click()
    assert "beside the nurses' desk" in peer_page.inner_text("#posts")

    # The asker sees the reply and marks it as the answer that helped.
    page.goto(thread_url)
    page.get_by_role("button", name="Mark as the answer that helped").click()
    page.wait_for_selector(".post--answer")
    assert "Answer that helped" in page.inner_text(".post--answer")

    # The answerer sees the bell and the notification.
    peer_page.goto("/forums/")
    assert peer_page.locator(".bell .count").inner_text() == "1"
    peer_page.get_by_role("link", name="Notifications").click()
    assert "marked as the answer" in peer_page.inner_text("#main")
    axe_check(peer_page)
    peer.close()


# --- Chat: two browsers, one without websockets, over a real ASGI server -------------


@pytest.fixture
def chat_setup(migrated_db):
    def seed():
        from community.models import Role
        from forums import chat
        from forums.models import Space, Visibility
        from tests.factories import OrganisationFactory, member

        country = OrganisationFactory(name="Chatland", slug="chatland")
        space = Space.objects.create(
            name="Night shift chat", slug="night-shift", visibility=Visibility.MEMBERS
        )
        room = chat.room_for_space(space=space)
        cookies = []
        for email in ("amina@example.org", "joseph@example.org"):
            user = member(Role.PRACTITIONER, country, email=email)
            client = Client()
            client.force_login(user)
            cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
        return room.pk, cookies

    room_id, cookies = off_the_loop(seed)
    server = Server()
    yield server, room_id, cookies
    server.stop()


def open_chat(
    browser,
    server,
    room_id,
    session,
    *,
    block_websockets=False,
    width=1024,
    init_script=None,
):
    context = browser.new_context(
        base_url=f"http://127.0.0.1:{server.port}",
        locale="en-GB",
        viewport={"width": width, "height": 740},
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session,
                "domain": "127.0.0.1",
                "path": "/",
            }
        ]
    )
    if block_websockets:
        context.add_init_script("window.WebSocket = undefined;")
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(f"/forums/chat/{room_id}/")
    return context, page


def send(page, text):
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Send").click()


def test_two_browsers_one_without_websockets_see_every_message_once(
    browser, chat_setup
):
    server, room_id, (amina, joseph) = chat_setup
    ctx_a, page_a = open_chat(browser, server, room_id, amina)
    ctx_b, page_b = open_chat(browser, server, room_id, joseph, block_websockets=True)
    try:
        axe_check(page_a)
        send(page_a, "Is the oxytocin back in the fridge?")
        page_b.locator(".chat-log li", has_text="oxytocin back").wait_for(timeout=15000)
        send(page_b, "Yes, checked at handover.")
        page_a.locator(".chat-log li", has_text="checked at handover").wait_for(
            timeout=15000
        )
        page_b.locator(".chat-log li", has_text="checked at handover").wait_for(
            timeout=15000
        )
        send(page_a, "Thank you!")
        page_b.locator(".chat-log li", has_text="Thank you!").wait_for(timeout=15000)
        page_a.wait_for_timeout(3500)  # one more poll: nothing may come twice
        for page in (page_a, page_b):
            texts = page.locator(".chat-log li .chat-body").all_inner_texts()
            assert texts == [
                "Is the oxytocin back in the fridge?",
                "Yes, checked at handover.",
                "Thank you!",
            ]
    finally:
        ctx_a.close()
        ctx_b.close()


# --- Chat when things fail: the worker dies, sockets never work -------------------------


def chat_status(page):
    return page.locator("[data-chat-status]")


def _thread_with_poll(room_id):
    """A thread in the chat's space with Amina's poll: (its address, the poll, an
    answer)."""
    from django.contrib.auth import get_user_model

    from forums import polls, services
    from forums.models import Room

    space = Room.objects.get(pk=room_id).space
    amina = get_user_model().objects.get(email="amina@example.org")
    thread = services.thread_create(
        space=space, author=amina, title="Newborn scales", body="Which do you trust?"
    )
    poll = polls.ask(
        by=amina, question="Which scale?", choices=["Digital", "Spring"], thread=thread
    )
    return thread.get_absolute_url(), poll.pk, poll.choices.get(label="Spring").pk


def _vote(poll_id, answer_id, email):
    from django.contrib.auth import get_user_model

    from forums import polls

    voter = get_user_model().objects.get(email=email)
    polls.vote(by=voter, poll=polls.load(poll_id, voter), choice_id=answer_id)


def test_chat_survives_its_worker_being_killed_mid_conversation(browser, chat_setup):
    """A midwife on a 360 px phone is mid-conversation when the worker serving her
    socket is killed: she sees that the connection dropped, what she writes meanwhile
    waits in view, and once a worker is back it is sent once and everyone gets it.
    A thread page she has open in another tab catches up on the poll votes cast while
    its socket was down."""
    from forums.models import ChatMessage

    server, room_id, (amina, joseph) = chat_setup
    thread_url, poll_id, answer_id = off_the_loop(lambda: _thread_with_poll(room_id))
    ctx_a, page_a = open_chat(browser, server, room_id, amina, width=360)
    ctx_b, page_b = open_chat(browser, server, room_id, joseph)
    restarted = None
    try:
        tab = ctx_a.new_page()
        with tab.expect_websocket():
            tab.goto(thread_url)
        count = tab.locator(f'[data-count="{answer_id}"]')
        expect(count).to_have_text("0 votes")
        expect(chat_status(page_a)).to_have_attribute("data-state", "live")
        expect(chat_status(page_a)).to_have_text("Live")
        send(page_a, "Starting the night round now.")
        first = page_a.locator(".chat-mine", has_text="night round")
        expect(first).to_have_attribute("data-state", "sent")
        expect(first.locator(".chat-state")).to_have_text("Sent")
        expect(page_b.locator(".chat-log li", has_text="night round")).to_have_count(1)

        server.kill()
        expect(chat_status(page_a)).to_have_attribute(
            "data-state", re.compile("reconnecting|offline|polling")
        )
        send(page_a, "The warmer in room two is fixed.")
        waiting = page_a.locator(".chat-mine", has_text="warmer in room two")
        expect(waiting).to_have_attribute("data-state", re.compile("queued|sending"))
        expect(page_a.get_by_label("Message", exact=True)).to_have_value("")
        page_a.screenshot(path=str(SHOTS / "chat-worker-down-360.png"))

        # Joseph votes while no worker sends anything: the vote is stored, its frame
        # goes nowhere.
        off_the_loop(lambda: _vote(poll_id, answer_id, "joseph@example.org"))

        restarted = Server(port=server.port)
        expect(waiting).to_have_attribute("data-state", "sent", timeout=40_000)
        expect(count).to_have_text("1 vote", timeout=60_000)
        for page in (page_a, page_b):
            expect(
                page.locator(".chat-log li", has_text="warmer in room two")
            ).to_have_count(1, timeout=40_000)
            expect(page.locator(".chat-log li", has_text="night round")).to_have_count(
                1
            )
        assert (
            off_the_loop(
                lambda: ChatMessage.objects.filter(body__contains="warmer").count()
            )
            == 1
        )
        page_a.screenshot(path=str(SHOTS / "chat-recovered-360.png"))
    finally:
        ctx_a.close()
        ctx_b.close()
        if restarted is not None:
            restarted.stop()


# A socket that fails without ever closing (a proxy that breaks the handshake): the
# error event comes, the close event never does.
BROKEN_SOCKETS = """
window.WebSocket = function () {
  var self = this;
  this.readyState = 0;
  setTimeout(function () { if (self.onerror) self.onerror(new Event("error")); }, 50);
};
window.WebSocket.prototype.close = function () {};
window.WebSocket.prototype.send = function () {};
"""


def test_chat_falls_back_to_http_when_sockets_fail_without_closing(browser, chat_setup):
    server, room_id, (amina, joseph) = chat_setup
    ctx_a, page_a = open_chat(
        browser, server, room_id, amina, width=360, init_script=BROKEN_SOCKETS
    )
    ctx_b, page_b = open_chat(browser, server, room_id, joseph)
    try:
        send(page_a, "Is anyone on the maternity ward tonight?")
        asked = page_a.locator(".chat-mine", has_text="maternity ward tonight")
        # Typed while the socket fails: kept in view, never cleared unsent.
        expect(asked).to_be_visible()
        expect(chat_status(page_a)).to_have_attribute(
            "data-state", "polling", timeout=20_000
        )
        expect(chat_status(page_a)).to_contain_text("Slow connection")
        expect(asked).to_have_attribute("data-state", "sent")
        expect(
            page_b.locator(".chat-log li", has_text="maternity ward tonight")
        ).to_have_count(1)
        send(page_b, "Yes, Joseph here until seven.")
        expect(page_a.locator(".chat-log li", has_text="until seven")).to_have_count(
            1, timeout=15_000
        )
        axe_check(page_a)
    finally:
        ctx_a.close()
        ctx_b.close()


# --- Chat as a person uses a messaging app -------------------------------------------


def test_space_chat_like_a_messaging_app(browser, chat_setup):
    """Scroll back, the "new" button, reply, the network lost and back, the unread
    marker: on a 360 px phone, in a space's room (the webinar room runs the same
    journey in tests/events)."""
    import uuid

    from forums import chat
    from forums.models import ChatMessage, Room

    server, room_id, (amina, joseph) = chat_setup

    def history():
        room = Room.objects.get(pk=room_id)
        from django.contrib.auth import get_user_model

        joseph_user = get_user_model().objects.get(email="joseph@example.org")
        for n in range(30):
            chat.message_send(
                room=room,
                author=joseph_user,
                body=f"Handover note {n + 1}: all quiet on the ward.",
                client_id=uuid.uuid4(),
                rate_limited=False,
            )

    off_the_loop(history)
    ctx_a, page_a = open_chat(browser, server, room_id, amina, width=360)
    ctx_b, page_b = open_chat(browser, server, room_id, joseph)
    try:
        chat_like_a_person(page_a, page_b, lambda: reopen(ctx_a, room_id), shots=SHOTS)
        answer = off_the_loop(
            lambda: ChatMessage.objects.select_related("reply_to").get(
                body__contains="in room two"
            )
        )
        assert "delivery kit" in answer.reply_to.body
        assert (
            off_the_loop(
                lambda: ChatMessage.objects.filter(
                    body__contains="Back in five"
                ).count()
            )
            == 1
        )
    finally:
        ctx_a.close()
        ctx_b.close()


def reopen(context, room_id):
    page = context.new_page()
    page.goto(f"/forums/chat/{room_id}/")
    return page

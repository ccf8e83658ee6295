"""Two browsers chat in a room over a real ASGI server: one on websockets, one with
websockets blocked (it falls back to HTTP). Both see every message exactly once."""

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import conftest as browser_fixtures
from tests.browser.helpers import (
    axe_check,
    off_the_loop,
    require_chromium,
    running_chromium,
)
from tests.servers import Server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

migrated_db = browser_fixtures.migrated_db


@pytest.fixture(scope="module")
def browser(request):
    require_chromium()
    request.getfixturevalue("django_db_setup")
    with running_chromium(request.getfixturevalue("django_db_blocker")) as chromium:
        yield chromium


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


def open_chat(browser, server, room_id, session, *, block_websockets=False):
    context = browser.new_context(
        base_url=f"http://127.0.0.1:{server.port}", locale="en-GB"
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
        for page in (page_a, page_b):
            page.wait_for_timeout(3500)  # one more poll: nothing may come twice
            texts = page.locator(".chat-log li .chat-body").all_inner_texts()
            assert texts == [
                "Is the oxytocin back in the fridge?",
                "Yes, checked at handover.",
                "Thank you!",
            ]
    finally:
        ctx_a.close()
        ctx_b.close()

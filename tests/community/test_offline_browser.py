"""Offline, in Chromium on a 360 px phone in French: a midwife keeps a thread for the
night shift, loses the network, reads it, writes a reply and a chat message, closes
the chat and opens it again, gets the network back and sees each sent once; at
sign-out the phone forgets her pages and her outbox.

The server is daphne (tests.servers): the chat's websocket is real, as deployed.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.browser.helpers import TIMEOUT_MS, axe_check, off_the_loop
from tests.servers import Server

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TITLE = "Bébés de petit poids : la méthode kangourou la nuit"
OFFLINE_REPLY = "Écrit sans réseau pendant la garde de nuit."
OFFLINE_CHAT = "Message de chat écrit hors ligne."


@pytest.fixture
def night_shift(transactional_db, django_db_serialized_rollback):
    def seed():
        from community.models import Role
        from forums import chat, services
        from forums.models import Space, Visibility
        from tests.factories import OrganisationFactory, member

        country = OrganisationFactory(name="Lumeria", slug="lumeria")
        space = Space.objects.create(
            name="Soins du nouveau-né", slug="newborn", visibility=Visibility.MEMBERS
        )
        room = chat.room_for_space(space=space)
        midwife = member(Role.PRACTITIONER, country, email="sage-femme@example.org")
        colleague = member(Role.PRACTITIONER, country, email="collegue@example.org")
        thread = services.thread_create(
            space=space,
            author=colleague,
            title=TITLE,
            body="Comment gardez-vous les petits bébés au chaud la nuit ?",
            rate_limited=False,
        )
        client = Client()
        client.force_login(midwife)
        return {
            "thread": thread.get_absolute_url(),
            "thread_pk": thread.pk,
            "room": room.get_absolute_url(),
            "room_pk": room.pk,
            "midwife": midwife.pk,
            "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }

    data = off_the_loop(seed)
    server = Server()
    yield server, data
    server.stop()


def counts(data) -> tuple[int, int]:
    from forums.models import ChatMessage, Post

    def read():
        return (
            Post.objects.filter(author_id=data["midwife"], body=OFFLINE_REPLY).count(),
            ChatMessage.objects.filter(
                author_id=data["midwife"], body=OFFLINE_CHAT
            ).count(),
        )

    return off_the_loop(read)


def controlled(page) -> None:
    """Wait until the service worker runs this page (it claims open pages)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    for _ in range(50):
        if page.evaluate("!!navigator.serviceWorker.controller"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took the page")


def phone(browser, server, data, **options):
    """Her phone, signed in: 360 px wide, in French."""
    context = browser.new_context(
        base_url=f"http://127.0.0.1:{server.port}",
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
        viewport={"width": 360, "height": 740},
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": data["session"],
                "domain": "127.0.0.1",
                "path": "/",
            }
        ]
    )
    return context


def test_a_midwife_reads_and_writes_offline_and_each_message_goes_once(
    browser, night_shift
):
    server, data = night_shift
    context = phone(browser, server, data)
    page = context.new_page()
    try:
        page.goto(data["thread"])
        controlled(page)
        page.reload()  # now through the service worker
        keep = page.get_by_role("button", name="Garder hors ligne")
        keep.click()
        expect(page.locator("#offline-notice")).to_contain_text("Gardé hors ligne")
        expect(page.locator("[data-keep]")).to_contain_text("retirer")
        page.goto(data["room"])  # opened, so kept among the recent pages
        expect(page.locator("[data-chat-status]")).to_have_attribute(
            "data-state", "live"
        )

        context.set_offline(True)
        # A page never opened: the offline page, which lists what the phone keeps.
        page.goto("/forums/")
        expect(page.locator("h1")).to_have_text("Lecture hors ligne")
        expect(page.locator("[data-kept]")).to_contain_text(TITLE)
        expect(page.locator("[data-recent]")).to_contain_text("Soins du nouveau-né")
        page.screenshot(path=SHOTS / "offline-shelf-360-fr.png", full_page=True)
        axe_check(page, context={"include": [["main"]]})

        # The kept thread reads as it did; a reply written now waits in the outbox.
        page.goto(data["thread"])
        expect(page.locator("h1")).to_have_text(TITLE)
        page.get_by_label("Votre réponse").fill(OFFLINE_REPLY)
        page.get_by_role("button", name="Publier la réponse").click()
        expect(page.locator("#offline-notice")).to_contain_text("boîte d’envoi")
        outbox = page.locator("#outbox")
        expect(outbox.locator("li")).to_have_count(1)
        expect(outbox).to_contain_text("En attente du réseau")
        page.screenshot(path=SHOTS / "offline-outbox-360-fr.png", full_page=True)
        axe_check(page, context={"include": [["#outbox"]]})

        # A chat message written offline, and the chat closed and opened again.
        page.goto(data["room"])
        page.get_by_label("Message", exact=True).fill(OFFLINE_CHAT)
        page.get_by_role("button", name="Envoyer").click()
        bubble = page.locator(".chat-log .chat-msg", has_text=OFFLINE_CHAT)
        expect(bubble).to_have_attribute("data-state", "queued")
        page.reload()
        expect(bubble).to_have_count(1)
        expect(bubble).to_have_attribute("data-state", "queued")
        expect(page.locator("#outbox li")).to_have_count(2)
        assert counts(data) == (0, 0)

        # The network is back: both go, once each, and the outbox empties.
        context.set_offline(False)
        expect(page.locator("#outbox")).to_have_count(0, timeout=20_000)
        settled = page.locator(".chat-log .chat-msg[id]", has_text=OFFLINE_CHAT)
        expect(settled).to_have_count(1, timeout=20_000)
        page.goto(data["thread"])
        expect(page.locator(".post", has_text=OFFLINE_REPLY)).to_have_count(1)
        page.wait_for_timeout(1000)  # any late second send would have landed by now
        assert counts(data) == (1, 1)

        # Signing out forgets her pages and anything left in the outbox.
        with page.expect_navigation():
            page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_load_state()
        assert "/accounts/" not in page.url  # signed out, not stopped at a confirmation
        left = page.evaluate(
            """caches.keys().then(names => Promise.all(names
                .filter(name => !name.startsWith('cop-shell-') && name !== 'cop-meta')
                .map(name => caches.open(name).then(c => c.keys())
                    .then(keys => keys.map(k => new URL(k.url).pathname)))))
              .then(lists => lists.flat())"""
        )
        assert left in ([], ["/"]), left  # at most the page a visitor lands on
        assert page.evaluate("localStorage.getItem('cop-outbox')") in (None, "[]")
    finally:
        context.close()


def test_a_reply_whose_answer_was_lost_or_refused_by_the_proxy_is_stored_once(
    browser, night_shift
):
    """The network drops after the server stored the reply, then the proxy answers
    502: the reply waits in the outbox each time, and the resends find the first."""
    server, data = night_shift
    # The outbox alone (no service worker), so that the test can cut the line.
    context = phone(browser, server, data, service_workers="block")
    page = context.new_page()
    try:
        page.goto(data["thread"])

        def answer_lost(route):
            route.fetch()  # the server stores it...
            route.abort("connectionreset")  # ...and the phone never hears back

        page.route("**/reply/", answer_lost, times=1)
        page.get_by_label("Votre réponse").fill(OFFLINE_REPLY)
        page.get_by_role("button", name="Publier la réponse").click()
        item = page.locator("#outbox li")
        expect(item).to_have_attribute("data-state", "waiting")
        assert counts(data) == (1, 0)

        page.route(
            "**/reply/", lambda route: route.fulfill(status=502, body="Bad gateway")
        )
        page.evaluate("dispatchEvent(new Event('online'))")
        expect(item).to_have_attribute("data-state", "waiting")
        page.unroute("**/reply/")

        page.evaluate("dispatchEvent(new Event('online'))")
        expect(page.locator("#outbox")).to_have_count(0)
        expect(page.locator("#offline-notice")).to_contain_text("Envoyé")
        assert counts(data) == (1, 0)
    finally:
        context.close()

"""In Chromium, on a 360 px phone, in French: Amina reads and answers her private
messages, writes privately to an anonymous author, and the author answers, live, and
closes the conversation; a member's page starts one and a typing mistake loses
nothing. Every page passes axe (WCAG 2.1 AA) and fits the screen."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from community.demo import demo_password
from tests.browser.helpers import TIMEOUT_MS, axe_check, login, off_the_loop

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "conversations"


def _demo() -> dict:
    from django.contrib.auth import get_user_model

    from forums.conversations.models import Conversation

    User = get_user_model()
    return {
        "scale": Conversation.objects.get(about_post__isnull=False).get_absolute_url(),
        "relay": Conversation.objects.get(relay_post__isnull=False).get_absolute_url(),
        "esther": User.objects.get(email="nurse.lakeside@demo.example").pk,
    }


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_private_conversations_on_phones_in_french(browser, committed_demo):
    """Over a real daphne worker: the page's socket is the one chat mechanism."""
    from django.urls import reverse

    from tests.servers import Server

    demo = off_the_loop(_demo)
    esther_page = off_the_loop(
        lambda: reverse("community:member", args=[demo["esther"]])
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    contexts = []
    errors: list[str] = []
    server = Server()

    def phone():
        context = browser.new_context(
            base_url=f"http://127.0.0.1:{server.port}",
            locale="fr-FR",
            extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
            viewport={"width": 360, "height": 740},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                errors.append(f"{page.url}: {m.text}") if m.type == "error" else None
            ),
        )
        return page

    try:
        amina = phone()
        login(amina, "practitioner@demo.example", demo_password())
        amina.goto("/forums/messages/")
        assert "2 conversations non lues" in amina.locator("nav").inner_html()
        assert amina.locator(".conversation-row.unread").count() == 2
        axe_check(amina)
        _fits(amina)
        amina.screenshot(path=SHOTS / "inbox-360-fr.png", full_page=True)

        # Esther's answer about the scale check; Amina answers, live.
        amina.goto(demo["scale"])
        assert "Esther (nurse)" in amina.locator("h1").inner_text()
        axe_check(amina)
        _fits(amina)
        amina.locator("#chat-body").fill("Merci Esther, la première semaine est notée.")
        amina.get_by_role("button", name="Envoyer", exact=True).click()
        amina.locator(
            ".chat-msg.chat-mine", has_text="la première semaine"
        ).last.wait_for()
        amina.screenshot(path=SHOTS / "conversation-360-fr.png", full_page=True)

        # The relay: the author is the post's alias, never a name.
        amina.goto(demo["relay"])
        heading = amina.locator("h1").inner_text()
        assert "L’auteur d’un message" in heading
        text = amina.locator("main").inner_text()
        assert "Kofi" not in text and "l’auteur" in text
        axe_check(amina)
        _fits(amina)
        amina.screenshot(path=SHOTS / "relay-asker-360-fr.png", full_page=True)

        # The author, on their phone, sees who asked and gets Amina's next message live.
        kofi = phone()
        login(kofi, "safe.poster@demo.example", demo_password())
        kofi.goto("/forums/messages/")
        assert (
            kofi.get_by_text("Amina (midwife), au sujet de votre message").count() == 1
        )
        kofi.goto(demo["relay"])
        expect(kofi.locator("[data-chat-status]")).to_have_attribute(
            "data-state", "live"
        )
        amina.locator("#chat-body").fill("Comment s’est passée la réunion ?")
        amina.get_by_role("button", name="Envoyer", exact=True).click()
        kofi.locator(".chat-msg", has_text="Comment s’est passée la réunion").wait_for()
        # A message the script drew can be reported like one the page drew.
        live = kofi.locator(".chat-msg", has_text="Comment s’est passée la réunion")
        assert live.locator("a.chat-report", has_text="Signaler").count() == 1
        axe_check(kofi)
        _fits(kofi)
        kofi.screenshot(path=SHOTS / "relay-author-360-fr.png", full_page=True)
        # Kofi answers; it reaches Amina live, and reading it there clears it from her
        # inbox (the page tells the server what was read in view).
        kofi.locator("#chat-body").fill("Très bien, merci. Ils ont dit oui.")
        kofi.get_by_role("button", name="Envoyer", exact=True).click()
        amina.locator(".chat-msg", has_text="Ils ont dit oui").wait_for()
        amina.wait_for_timeout(2500)
        amina.goto("/forums/messages/")
        assert amina.locator(".conversation-row.unread").count() == 0
        kofi.locator("summary", has_text="Options").click()
        with kofi.expect_navigation():
            kofi.get_by_role("button", name="Fermer cette conversation").click()
        assert "Fermée" in kofi.locator("main").inner_text()

        amina.goto(demo["relay"])
        assert amina.locator("#chat-body").count() == 0
        assert "Fermée : lisible" in amina.locator("main").inner_text()
        assert "Kofi" not in amina.locator("main").inner_text()

        # From Esther's page: a name nobody has is pointed out, the message kept.
        amina.goto(esther_page)
        axe_check(amina)
        _fits(amina)
        amina.screenshot(path=SHOTS / "member-360-fr.png", full_page=True)
        with amina.expect_navigation():
            amina.get_by_role("link", name="Envoyer un message privé").click()
        axe_check(amina)
        amina.get_by_label("Ajouter des personnes").fill("Personne Inconnue")
        amina.get_by_label("Votre message").fill("Et pour la balance de la maternité ?")
        with amina.expect_navigation():
            amina.get_by_role("button", name="Envoyer", exact=True).click()
        assert (
            "Aucun membre ne s’appelle Personne Inconnue"
            in amina.locator("main").inner_text()
        )
        assert (
            amina.get_by_label("Votre message").input_value()
            == "Et pour la balance de la maternité ?"
        )
        _fits(amina)
        amina.screenshot(path=SHOTS / "start-error-360-fr.png", full_page=True)
        amina.get_by_label("Ajouter des personnes").fill("")
        with amina.expect_navigation():
            amina.get_by_role("button", name="Envoyer", exact=True).click()
        # The open conversation with Esther continues.
        assert amina.url.split("#")[0].endswith(demo["scale"])
        # (The form sent with a name nobody has answers 400, as it should.)
        assert not [e for e in errors if "status of 400" not in e], errors
    finally:
        for context in contexts:
            context.close()
        server.stop()

"""Notifications on the phone, in Chromium at 360 px in French: a midwife turns
them on, chooses replies, a colleague replies, and her phone shows "Nouvelle
réponse" with the thread's title and nothing more; then she turns them off.

Headless Chromium cannot reach a real push service here (no internet), so the
browser's ``PushManager`` hands out a subscription pointing at a push service on
this machine (``tests.push_service``); the site's own script, server, task and
service worker are the real ones. The push that service receives is decrypted with
the subscription's keys and handed to the service worker through the DevTools
protocol, as a push service would.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.browser import conftest as browser_fixtures
from tests.browser.helpers import axe_check, off_the_loop
from tests.push_service import Browser, PushService

pytestmark = pytest.mark.browser

migrated_db = browser_fixtures.migrated_db
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TITLE = "Chlorhexidine pour le cordon : qui l’utilise ?"

FAKE_PUSH = """
(() => {
  const made = () => JSON.parse(sessionStorage.getItem("fake-push") || "null");
  const wrap = (json) => json && {
    endpoint: json.endpoint,
    toJSON: () => json,
    unsubscribe: () => { sessionStorage.removeItem("fake-push"); return Promise.resolve(true); },
  };
  PushManager.prototype.subscribe = function () {
    sessionStorage.setItem("fake-push", JSON.stringify(%s));
    return Promise.resolve(wrap(made()));
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(wrap(made())); };
})();
"""


@pytest.fixture
def push_service(settings):
    settings.COMMUNITY = {**settings.COMMUNITY, "PUSH_ALLOW_LOCAL_ENDPOINTS": True}
    service = PushService()
    yield service
    service.stop()


@pytest.fixture
def midwife(migrated_db):
    def seed():
        from community.models import Profile, Role
        from forums import services
        from forums.models import Visibility
        from tests.factories import OrganisationFactory, member

        country = OrganisationFactory(name="Lumeria", slug="lumeria")
        space = services.space_create(
            name="Soins du nouveau-né", slug="newborn", visibility=Visibility.MEMBERS
        )
        midwife = member(Role.PRACTITIONER, country, email="sage-femme@example.org")
        colleague = member(Role.PRACTITIONER, country, email="collegue@example.org")
        Profile.objects.update_or_create(user=midwife, defaults={"language": "fr"})
        Profile.objects.update_or_create(
            user=colleague, defaults={"display_name": "Joseph Banda"}
        )
        thread = services.thread_create(
            space=space, author=midwife, title=TITLE, body="Qui l’utilise ?"
        )
        client = Client()
        client.force_login(midwife)
        return {
            "thread": thread.pk,
            "colleague": colleague.pk,
            "midwife": midwife.pk,
            "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }

    return off_the_loop(seed)


def test_a_midwife_turns_notifications_on_and_her_phone_shows_only_what_and_where(
    browser, live_server, midwife, push_service
):
    from community.models import PushSubscription

    keys = Browser()
    subscription = {
        "endpoint": f"{push_service.url}/send/phone-1",
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth_b64},
    }
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
        viewport={"width": 360, "height": 740},
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": midwife["session"],
                "url": live_server.url,
            }
        ]
    )
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(FAKE_PUSH % json.dumps(subscription))
    page = context.new_page()
    try:
        page.goto("/community/notifications/phone/")
        state = page.locator("[data-push-state]")
        expect(state).to_have_text(
            "Les notifications sont désactivées sur ce téléphone."
        )
        page.get_by_role("button", name="Activer sur ce téléphone").click()
        expect(state).to_have_text("Les notifications sont activées sur ce téléphone.")
        assert off_the_loop(
            lambda: list(PushSubscription.objects.values_list("user_id", "endpoint"))
        ) == [(midwife["midwife"], subscription["endpoint"])]

        page.get_by_label("quelqu’un répond à une discussion que j’ai ouverte").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator(".messages")).to_contain_text("enregistrés")
        page.screenshot(path=SHOTS / "push-settings-360-fr.png", full_page=True)
        axe_check(page, context={"include": [["main"]]})

        def reply():
            from django.contrib.auth import get_user_model

            from forums import services
            from forums.models import Thread

            services.post_create(
                thread=Thread.objects.get(pk=midwife["thread"]),
                author=get_user_model().objects.get(pk=midwife["colleague"]),
                body="Oui, tous les jours, avec un gel à 7,1 %.",
            )

        off_the_loop(reply)
        [(_path, _headers, body)] = push_service.received
        message = keys.read(body)
        assert message["title"] == "Nouvelle réponse"
        assert message["body"] == TITLE
        assert "Joseph" not in json.dumps(message) and "gel" not in json.dumps(message)

        # The push service hands it to the phone: the service worker shows it.
        cdp = context.new_cdp_session(page)
        registrations = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        cdp.send("ServiceWorker.enable")
        page.wait_for_timeout(200)
        [registration] = [r for r in registrations if not r.get("isDeleted")]
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": live_server.url,
                "registrationId": registration["registrationId"],
                "data": json.dumps(message),
            },
        )
        shown = None
        for _ in range(50):
            shown = page.evaluate(
                """navigator.serviceWorker.ready
                    .then(r => r.getNotifications())
                    .then(list => list.map(n => [n.title, n.body, n.data.url]))"""
            )
            if shown:
                break
            page.wait_for_timeout(100)
        assert shown == [["Nouvelle réponse", TITLE, message["url"]]]

        page.get_by_role("button", name="Désactiver sur ce téléphone").click()
        expect(state).to_have_text(
            "Les notifications sont désactivées sur ce téléphone."
        )
        assert not off_the_loop(lambda: PushSubscription.objects.exists())
    finally:
        context.close()

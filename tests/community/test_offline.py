"""The installable app (``community.offline``): the manifest, the service worker, the
offline page, and the reader's key that keeps one member's pages from another's on
a shared phone. The journey itself is ``test_offline_browser``."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from community.offline import LOCATION_HEADER, MEMBER_HEADER, OUTBOX_HEADER, member_key

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_the_same_script_for_everyone(
    client, practitioner, coach
):
    url = reverse("community:service_worker")
    visitor = client.get(url)
    assert visitor.status_code == 200
    assert visitor["Content-Type"].startswith("text/javascript")
    # Served under the plugin's prefix, allowed to look after the whole site, and
    # checked again on every visit so that a fix reaches phones at once.
    assert visitor["Service-Worker-Allowed"] == "/"
    assert visitor["Cache-Control"] == "no-cache"
    body = visitor.content
    for who in (practitioner, coach):
        client.force_login(who)
        assert client.get(url).content == body
    source = body.decode()
    assert re.search(r'var SHELL = "cop-shell-[0-9a-f]{12}"', source)
    assert "__VERSION__" not in source and "{{" not in source
    assert '"/accounts/"' in source  # sign-in pages are never kept
    assert f'var OFFLINE_URL = "{reverse("community:offline")}"' in source


def test_the_manifest_makes_the_site_installable_in_the_readers_language(client):
    response = client.get(
        reverse("community:manifest"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9"
    )
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "Centre national d’apprentissage"
    assert data["lang"] == "fr"
    assert data["start_url"] == "/" and data["display"] == "standalone"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])
    for icon in data["icons"]:
        path = icon["src"].removeprefix("/static/")
        assert finders.find(path), icon["src"]


def test_every_page_links_the_manifest_and_the_offline_script(client, practitioner):
    html = client.get(reverse("community:privacy")).content.decode()
    assert f'<link rel="manifest" href="{reverse("community:manifest")}">' in html
    assert 'data-sw="/community/sw.js"' in html
    assert 'data-member=""' in html
    client.force_login(practitioner)
    html = client.get(reverse("community:privacy")).content.decode()
    assert f'data-member="{member_key(practitioner)}"' in html


def test_each_page_names_its_reader_without_saying_who(client, practitioner, coach):
    page = reverse("community:privacy")
    assert client.get(page)[MEMBER_HEADER] == ""
    keys = []
    for who in (practitioner, coach):
        client.force_login(who)
        keys.append(client.get(page)[MEMBER_HEADER])
        assert client.get(page)[MEMBER_HEADER] == keys[-1]  # stable for one member
    assert keys[0] != keys[1] and all(keys)
    for who, key in zip((practitioner, coach), keys, strict=True):
        # A keyed digest: nothing to count up from, nothing to read a name in.
        assert re.fullmatch(r"[0-9a-f]{20}", key) and key != str(who.pk).zfill(20)
        assert who.email.split("@")[0] not in key
    # Only pages carry it: not data, not files.
    assert MEMBER_HEADER not in client.get(reverse("community:manifest"))


def test_a_redirect_is_a_redirect_unless_the_outbox_asks(client):
    url = reverse("community:language")
    query = {"language": "fr", "next": "/forums/"}
    assert client.get(url, query)["Location"] == "/forums/"
    asked = client.get(url, query, headers={OUTBOX_HEADER: "1"})
    assert asked.status_code == 204
    assert asked[LOCATION_HEADER] == "/forums/"


def test_the_offline_page_says_what_it_keeps_without_javascript(client, settings):
    settings.COMMUNITY = {"OFFLINE_CAP_MB": 20}
    html = client.get(
        reverse("community:offline"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9"
    ).content.decode()
    assert "<h1>Lecture hors ligne</h1>" in html
    assert "Cette liste a besoin de JavaScript" in html  # <noscript>
    assert "au plus 20 Mo" in html
    # The lists are drawn by the script from the phone's caches; hidden without it.
    assert re.search(r"<section data-offline-shelf hidden>", html)
    # The same page for every reader: no "Sign in" to tell a member offline that
    # they were signed out, no "Sign out" that cannot work without a network.
    header = html.split("<main", 1)[0]
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/logout/"):
        assert path not in header
    assert "/forums/" in header  # the sections are still there to go to


def test_a_thread_and_a_resource_offer_to_be_kept(client, practitioner, night_thread):
    client.force_login(practitioner)
    html = client.get(night_thread.get_absolute_url()).content.decode()
    assert re.search(
        r"<button [^>]*data-keep[^>]*hidden>Keep for offline</button>", html
    )
    assert 'data-outbox="Reply to “Warm chain at night”"' in html
    assert '<input type="hidden" name="client_id"' in html


def test_keep_for_offline_keeps_a_resources_documents_too():
    from types import SimpleNamespace

    from community.templatetags.community_tags import keep_for_offline

    attachments = [
        SimpleNamespace(document=SimpleNamespace(url="/documents/1/checklist.pdf")),
        SimpleNamespace(document=SimpleNamespace(url="/documents/2/poster.pdf")),
    ]
    assert keep_for_offline(attachments) == {
        "also": "/documents/1/checklist.pdf /documents/2/poster.pdf"
    }
    assert keep_for_offline() == {"also": ""}
    assert keep_for_offline("/media/a.mp3", None) == {"also": "/media/a.mp3"}

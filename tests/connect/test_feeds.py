"""External feeds: only local files and a local HTTP server here, never the internet.
Malformed, oversized, slow, hostile and redirecting feeds leave a clear status and
nothing unsafe on the page."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from connect.aggregator import feed_fetch
from connect.models import (
    ExternalFeed,
    FeedItem,
    FeedKind,
    FeedStatus,
    GlobalDevelopmentsPage,
    PartnerCountriesPage,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "connect" / "fixtures"

GOOD = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Good</title><id>urn:good</id>
<updated>2026-01-01T00:00:00Z</updated>
<entry><title>First &amp; best</title><id>urn:1</id><link href="https://a.example/1"/>
<updated>2026-01-02T00:00:00Z</updated><summary type="html">&lt;p&gt;Hello &lt;em&gt;world&lt;/em&gt;&lt;/p&gt;</summary></entry>
</feed>"""

HOSTILE = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Hostile</title><link>https://h.example/</link>
<description>x</description>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Click &lt;b&gt;me&lt;/b&gt;</title>
<link>javascript:alert(document.cookie)</link><guid>h1</guid>
<description>&lt;p onclick="steal()"&gt;Hi&lt;/p&gt;&lt;img src=x onerror="alert(1)"&gt;&lt;script&gt;alert(2)&lt;/script&gt;&lt;a href="javascript:alert(3)"&gt;link&lt;/a&gt;&lt;iframe src="https://evil.example"&gt;&lt;/iframe&gt;&lt;style&gt;body{display:none}&lt;/style&gt;&lt;a href="https://fine.example/"&gt;fine&lt;/a&gt;</description>
</item></channel></rss>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title><guid>x</guid></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title><guid>x</guid></item></channel></rss>"""


class Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        route = self.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        kind, value = route
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", value)
            self.end_headers()
            return
        if kind == "drip":
            # Every read arrives within the socket timeout; the whole never ends.
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.end_headers()
                for _ in range(value):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.3)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if kind == "slow":
            time.sleep(value)
            body = GOOD
        else:
            body = value
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.routes = {
        "/good.xml": ("body", GOOD),
        "/hostile.xml": ("body", HOSTILE),
        "/malformed.xml": ("body", b"<rss><channel><title>broken<item></rss"),
        "/html.xml": ("body", b"<html><body>Not a feed at all</body></html>"),
        "/huge.xml": (
            "body",
            GOOD[:-7] + b"<!--" + b"x" * 300_000 + b"-->" + b"</feed>",
        ),
        "/slow.xml": ("slow", 3),
        "/drip.xml": ("drip", 30),
        "/bomb.xml": ("body", BILLION_LAUGHS),
        "/xxe.xml": ("body", EXTERNAL_ENTITY),
        "/to-file": ("redirect", "file:///etc/passwd"),
        "/to-ftp": ("redirect", "ftp://127.0.0.1/feed.xml"),
        "/to-good": ("redirect", "/good.xml"),
        "/loop": ("redirect", "/loop"),
    }
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def limits(settings):
    settings.CONNECT = {
        "FEED_TIMEOUT": 1,
        "FEED_MAX_BYTES": 100_000,
        "FEED_MAX_REDIRECTS": 3,
        "LOCAL_FEED_DIRS": [str(FIXTURES)],
        # The test server is on 127.0.0.1; production refuses such addresses.
        "ALLOW_PRIVATE_FEED_HOSTS": True,
    }


def _feed(url: str, **kwargs) -> ExternalFeed:
    return ExternalFeed.objects.create(name=url.rsplit("/", 1)[-1], url=url, **kwargs)


def _fetched(url: str) -> ExternalFeed:
    feed = _feed(url)
    feed_fetch(feed=feed)
    feed.refresh_from_db()
    return feed


def test_good_feed_is_stored_with_a_clear_status(server):
    feed = _fetched(f"{server}/good.xml")
    assert feed.status == FeedStatus.OK
    assert feed.item_count == 1 and feed.last_ok_at is not None
    item = feed.items.get()
    assert item.title == "First & best"
    assert item.link == "https://a.example/1"
    assert item.summary_html == "<p>Hello <em>world</em></p>"


def test_refetch_updates_rather_than_duplicates(server):
    feed = _fetched(f"{server}/good.xml")
    feed_fetch(feed=feed)
    assert FeedItem.objects.filter(feed=feed).count() == 1


def test_hostile_content_is_sanitised(server):
    feed = _fetched(f"{server}/hostile.xml")
    assert feed.status == FeedStatus.OK
    item = feed.items.get()
    assert "<" not in item.title and ">" not in item.title  # plain text only
    assert "Click me" in item.title
    assert item.link == ""  # javascript: links are dropped
    html = item.summary_html.lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "<img",
        "<style",
    ):
        assert bad not in html, bad
    assert 'href="https://fine.example/"' in item.summary_html
    assert 'rel="nofollow ugc noopener"' in item.summary_html


def test_malformed_feed_reports_an_error_and_keeps_old_items(server):
    feed = _fetched(f"{server}/good.xml")
    feed.url = f"{server}/malformed.xml"
    feed.save()
    feed_fetch(feed=feed)
    feed.refresh_from_db()
    assert feed.status == FeedStatus.ERROR
    assert feed.status_message
    assert feed.items.count() == 1  # what we had is kept


def test_a_page_that_is_not_a_feed_is_an_error(server):
    feed = _fetched(f"{server}/html.xml")
    assert feed.status == FeedStatus.ERROR


def test_oversized_feed_is_refused(server):
    feed = _fetched(f"{server}/huge.xml")
    assert feed.status == FeedStatus.ERROR
    assert "larger than" in feed.status_message


def test_slow_feed_times_out(server):
    started = time.monotonic()
    feed = _fetched(f"{server}/slow.xml")
    assert time.monotonic() - started < 3
    assert feed.status == FeedStatus.ERROR
    assert "timed out" in feed.status_message


@pytest.mark.parametrize("path", ["/bomb.xml", "/xxe.xml"])
def test_entity_declarations_are_refused(server, path):
    feed = _fetched(f"{server}{path}")
    assert feed.status == FeedStatus.ERROR
    assert "entity" in feed.status_message
    assert not feed.items.exists()


@pytest.mark.parametrize("path", ["/to-file", "/to-ftp"])
def test_redirect_to_another_scheme_is_refused(server, path):
    feed = _fetched(f"{server}{path}")
    assert feed.status == FeedStatus.ERROR
    assert "refused" in feed.status_message


def test_redirects_are_followed_a_few_times_only(server):
    assert _fetched(f"{server}/to-good").status == FeedStatus.OK
    feed = _fetched(f"{server}/loop")
    assert feed.status == FeedStatus.ERROR


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/x.xml", "gopher://127.0.0.1/", "file:///etc/passwd"]
)
def test_only_http_and_allowed_local_files(url):
    feed = _fetched(url)
    assert feed.status == FeedStatus.ERROR


def test_local_fixture_files_are_read_only_from_the_configured_directory(settings):
    feed = _fetched((FIXTURES / "partner-aurelia.xml").as_uri())
    assert feed.status == FeedStatus.OK and feed.item_count == 3
    settings.CONNECT = {"LOCAL_FEED_DIRS": []}
    feed = _fetched((FIXTURES / "partner-borealis.xml").as_uri())
    assert feed.status == FeedStatus.ERROR
    assert "not allowed" in feed.status_message


def test_management_command_fetches_every_active_feed(server, capsys):
    good = _feed(f"{server}/good.xml")
    bad = _feed(f"{server}/malformed.xml")
    off = _feed(f"{server}/good.xml", active=False)
    call_command("fetch_feeds", "--now")
    for feed in (good, bad, off):
        feed.refresh_from_db()
    assert good.status == FeedStatus.OK
    assert bad.status == FeedStatus.ERROR
    assert off.status == FeedStatus.NEVER
    assert "good.xml" in capsys.readouterr().out


def test_periodic_task_queues_each_feed(server):
    from connect.tasks import fetch_feeds

    good = _feed(f"{server}/good.xml")
    fetch_feeds.enqueue()  # the test backend runs tasks at once
    good.refresh_from_db()
    assert good.status == FeedStatus.OK


def test_global_and_partner_pages_show_items_and_status(client, server):
    root = Site.objects.get(is_default_site=True).root_page
    global_page = GlobalDevelopmentsPage(title="Global developments", slug="global")
    root.add_child(instance=global_page)
    global_page.save_revision().publish()
    partners = PartnerCountriesPage(title="Partner countries", slug="partners")
    root.add_child(instance=partners)
    partners.save_revision().publish()
    hostile = _feed(f"{server}/hostile.xml")
    feed_fetch(feed=hostile)
    broken = _feed(f"{server}/malformed.xml")
    feed_fetch(feed=broken)
    partner = _feed(
        (FIXTURES / "partner-borealis.xml").as_uri(),
        kind=FeedKind.PARTNER,
        country="Borealis",
    )
    feed_fetch(feed=partner)
    html = client.get(Page.objects.get(pk=global_page.pk).url).content.decode()
    assert "Click me" in html
    assert "javascript:" not in html and "onerror" not in html and "steal()" not in html
    assert "Error" in html and broken.name in html
    html = client.get(Page.objects.get(pk=partners.pk).url).content.decode()
    assert "Borealis" in html and "Audit des décès néonatals" in html


def test_editors_see_each_feeds_status_in_the_admin(
    client, editor, practitioner, server
):
    broken = _fetched(f"{server}/malformed.xml")
    url = "/admin/snippets/connect/externalfeed/"
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert broken.name in html and "Error" in html
    assert broken.status_message[:20] in html
    client.force_login(practitioner)
    response = client.get(url)
    assert response.status_code in (302, 403)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/feed.xml",
        "http://localhost/feed.xml",
        "http://10.0.0.8/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/feed.xml",
    ],
)
def test_addresses_on_the_servers_own_network_are_refused(settings, url):
    settings.CONNECT = {**settings.CONNECT, "ALLOW_PRIVATE_FEED_HOSTS": False}
    feed = _fetched(url)
    assert feed.status == FeedStatus.ERROR
    assert "own network" in feed.status_message


def test_a_redirect_into_the_servers_own_network_is_refused(settings, server):
    """A public feed that redirects to the local network is refused at the redirect
    (the first hop is let through as if it were public)."""
    from connect import aggregator

    settings.CONNECT = {**settings.CONNECT, "ALLOW_PRIVATE_FEED_HOSTS": False}
    calls = []
    original = aggregator.resolve_checked

    def first_hop_allowed(host):
        calls.append(host)
        if len(calls) > 2:  # the first hop's check and connection pass
            raise aggregator.FeedError(
                "addresses on the server's own network are refused"
            )
        return "127.0.0.1"

    aggregator.resolve_checked = first_hop_allowed
    try:
        feed = _fetched(f"{server}/to-good")
    finally:
        aggregator.resolve_checked = original
    assert feed.status == FeedStatus.ERROR
    assert "own network" in feed.status_message
    assert len(calls) == 3


def test_dns_rebinding_cannot_reach_the_local_network(settings, server, monkeypatch):
    """The name is public when checked and local a moment later: the connection goes
    to the address that was checked, or not at all."""
    from connect import aggregator

    settings.CONNECT = {**settings.CONNECT, "ALLOW_PRIVATE_FEED_HOSTS": False}
    port = int(server.rsplit(":", 1)[1])
    answers = iter(["93.184.216.34"] + ["127.0.0.1"] * 10)

    def rebinding(host, *args, **kwargs):
        import socket

        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(aggregator.socket, "getaddrinfo", rebinding)
    feed = _fetched(f"http://feeds.example.org:{port}/good.xml")
    assert feed.status == FeedStatus.ERROR
    assert "own network" in feed.status_message
    assert not feed.items.exists()


def test_a_feed_that_drips_is_cut_off_at_the_deadline(settings, server):
    settings.CONNECT = {**settings.CONNECT, "FEED_DEADLINE": 1.5}
    started = time.monotonic()
    feed = _fetched(f"{server}/drip.xml")
    assert time.monotonic() - started < 3.5
    assert feed.status == FeedStatus.ERROR
    assert "too long" in feed.status_message

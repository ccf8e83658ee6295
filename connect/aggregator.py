"""Fetching external RSS/Atom feeds safely, and storing what they say.

External feeds are untrusted input from the internet:

- only ``http`` and ``https`` (``file://`` only from directories the host names in
  ``CONNECT["LOCAL_FEED_DIRS"]``, for the local demo), a few redirects at most and
  never to another scheme; never an address on the server's own network (loopback,
  private, link-local), first request or redirect;
- a timeout on every read, a deadline for the whole fetch (``FEED_DEADLINE``: a
  server dripping one byte at a time cannot hold a worker), and a size limit on the
  body;
- each connection goes to the address that was checked (resolved once, checked, then
  connected to by number, with the name kept for TLS): a DNS answer that changes
  between the check and the connection (rebinding) cannot reach the local network;
- no DTD entity declarations at all (entity-expansion bombs), before any parser
  sees the document;
- titles become plain text; summaries go through the one text pipeline's sanitiser
  (``community.text``), so no script, event handler or ``javascript:`` link survives;
- item links must be http(s).

Each fetch leaves a clear status on the feed: ok with its item count, or the error.
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import ipaddress
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import bleach
import feedparser
from django.db import transaction
from django.utils import timezone

from community.text import ALLOWED_ATTRIBUTES, ALLOWED_PROTOCOLS, ALLOWED_TAGS, LINK_REL

from .conf import setting
from .models import ExternalFeed, FeedItem, FeedStatus

USER_AGENT = "LearningCentreFeedReader/1.0 (+quality of care learning centre)"
ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# Feed summaries: the pipeline's allow-list without headings and tables.
SUMMARY_TAGS = ALLOWED_TAGS - {
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
SUMMARY_CHARS = 2000


class FeedError(Exception):
    """A feed could not be read; the message is shown to editors."""


@dataclass
class ParsedItem:
    guid: str
    title: str
    link: str
    summary_html: str
    published_at: datetime.datetime | None


# --- Fetching ---------------------------------------------------------------------------


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, limit: int) -> None:
        self.max_redirections = limit
        self.max_repeats = limit

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            raise FeedError(f"redirected to a {scheme or 'relative'}: address, refused")
        check_host(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def resolve_checked(host: str) -> str:
    """The one address a connection to ``host`` may use: every address the name
    resolves to must be public (loopback, private and link-local ones, where cloud
    metadata services live, are refused unless the host allows them)."""
    if not host:
        raise FeedError("no host in the address")
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        raise FeedError(f"could not find {host}"[:200]) from None
    addresses = [info[4][0].split("%", 1)[0] for info in infos]
    if not addresses:
        raise FeedError(f"could not find {host}"[:200])
    if not setting("ALLOW_PRIVATE_FEED_HOSTS"):
        for address in addresses:
            if not ipaddress.ip_address(address).is_global:
                raise FeedError("addresses on the server's own network are refused")
    return addresses[0]


def check_host(url: str) -> None:
    resolve_checked(urlsplit(url).hostname or "")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address :func:`resolve_checked` approved, not to whatever the
    name resolves to a moment later."""

    def connect(self) -> None:
        address = resolve_checked(self.host)
        self.sock = socket.create_connection(
            (address, self.port), self.timeout, self.source_address
        )


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        address = resolve_checked(self.host)
        sock = socket.create_connection(
            (address, self.port), self.timeout, self.source_address
        )
        # The certificate is checked against the name, as usual.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PinnedHTTPConnection, req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(
            _PinnedHTTPSConnection, req, context=ssl.create_default_context()
        )


def _read_limited(stream, limit: int, deadline: float | None = None) -> bytes:
    chunks, size = [], 0
    # read1: whatever has arrived, in one read, so the deadline is checked between
    # reads instead of after a read that waits for 64 KB.
    read = getattr(stream, "read1", stream.read)
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise FeedError("took too long, refused")
        chunk = read(min(64 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise FeedError(f"larger than {limit // 1024} KB, refused")
    return b"".join(chunks)


def _local_path(url: str) -> Path:
    parts = urlsplit(url)
    path = Path(urllib.request.url2pathname(parts.path)).resolve()
    allowed = [Path(d).resolve() for d in setting("LOCAL_FEED_DIRS")]
    if not any(path.is_relative_to(base) for base in allowed):
        raise FeedError("local files are not allowed here")
    if not path.is_file():
        raise FeedError("no such local file")
    return path


def download(url: str) -> bytes:
    """The body at ``url``, within the time, size and redirect limits."""
    limit = setting("FEED_MAX_BYTES")
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        with _local_path(url).open("rb") as handle:
            return _read_limited(handle, limit)
    if scheme not in ("http", "https"):
        raise FeedError("only http and https feeds are fetched")
    check_host(url)
    deadline = time.monotonic() + setting("FEED_DEADLINE")
    opener = urllib.request.build_opener(
        _LimitedRedirects(setting("FEED_MAX_REDIRECTS")),
        _PinnedHTTPHandler(),
        _PinnedHTTPSHandler(),
    )
    # The scheme is checked above (http/https only); redirects are checked too.
    request = urllib.request.Request(  # noqa: S310
        url,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9",
        },
    )
    try:
        with opener.open(request, timeout=setting("FEED_TIMEOUT")) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise FeedError(f"larger than {limit // 1024} KB, refused")
            return _read_limited(response, limit, deadline)
    except FeedError:
        raise
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            raise FeedError(
                "redirect refused: too many, or not to an http(s) address"
            ) from None
        raise FeedError(f"the server answered {error.code}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            raise FeedError("timed out") from None
        raise FeedError(f"could not connect: {reason}"[:200]) from None
    except TimeoutError:
        raise FeedError("timed out") from None
    except OSError as error:
        raise FeedError(f"could not read: {error}"[:200]) from None


# --- Parsing and cleaning -----------------------------------------------------------------


def plain_text(value: str, limit: int = 300) -> str:
    text = bleach.clean(value or "", tags=set(), strip=True, strip_comments=True)
    text = " ".join(text.replace("&amp;", "&").split())
    return text[:limit]


def _set_rel(attrs, new=False):
    if (None, "href") in attrs:
        attrs[(None, "rel")] = LINK_REL
    return attrs


def clean_html(value: str) -> str:
    """A summary through the pipeline's allow-list (tags, attributes, protocols)."""
    cleaned = bleach.clean(
        value or "",
        tags=SUMMARY_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    # Keep structure small: a summary, not a page.
    if len(cleaned) > SUMMARY_CHARS:
        cleaned = bleach.clean(plain_text(cleaned, SUMMARY_CHARS), tags=set())
    return bleach.linkify(cleaned, callbacks=[_set_rel], skip_tags={"pre", "code"})


def safe_link(value: str) -> str:
    value = (value or "").strip()
    if urlsplit(value).scheme.lower() in ("http", "https"):
        return value[:1000]
    return ""


def _published(entry) -> datetime.datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.datetime(*parsed[:6], tzinfo=datetime.UTC)
            except (TypeError, ValueError):
                continue
    return None


def parse(body: bytes) -> list[ParsedItem]:
    if ENTITY_DECLARATION.search(body):
        raise FeedError("entity declarations are not allowed")
    result = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    if result.get("bozo") and not result.entries:
        error = result.get("bozo_exception")
        raise FeedError(f"not a readable feed: {error}"[:200])
    if not result.get("version") and not result.entries:
        raise FeedError("not an RSS or Atom feed")
    items = []
    for entry in result.entries[: setting("FEED_MAX_ITEMS")]:
        title = plain_text(entry.get("title", ""))
        link = safe_link(entry.get("link", ""))
        summary = entry.get("summary", "")
        if not summary and entry.get("content"):
            summary = entry["content"][0].get("value", "")
        guid = (entry.get("id") or link or title)[:500]
        if not guid or not title:
            continue
        if len(guid) > 200:
            guid = hashlib.sha256(guid.encode()).hexdigest()
        items.append(
            ParsedItem(
                guid=guid,
                title=title,
                link=link,
                summary_html=clean_html(summary),
                published_at=_published(entry),
            )
        )
    return items


# --- Storing ------------------------------------------------------------------------------


@transaction.atomic
def feed_store(*, feed: ExternalFeed, items: list[ParsedItem]) -> int:
    """Replace the feed's items with what it says now; mark it OK."""
    now = timezone.now()
    keep = []
    for item in items:
        row, _created = FeedItem.objects.update_or_create(
            feed=feed,
            guid=item.guid,
            defaults={
                "title": item.title,
                "link": item.link,
                "summary_html": item.summary_html,
                "published_at": item.published_at,
            },
        )
        keep.append(row.pk)
    FeedItem.objects.filter(feed=feed).exclude(pk__in=keep).delete()
    feed.status = FeedStatus.OK
    feed.status_message = ""
    feed.last_fetched_at = feed.last_ok_at = now
    feed.item_count = len(keep)
    feed.save(
        update_fields=[
            "status",
            "status_message",
            "last_fetched_at",
            "last_ok_at",
            "item_count",
        ]
    )
    return len(keep)


def feed_mark_error(*, feed: ExternalFeed, message: str) -> None:
    """Keep the items we had; say what went wrong."""
    feed.status = FeedStatus.ERROR
    feed.status_message = message[:300]
    feed.last_fetched_at = timezone.now()
    feed.save(update_fields=["status", "status_message", "last_fetched_at"])


def feed_fetch(*, feed: ExternalFeed) -> ExternalFeed:
    """Fetch one feed now; never raises for a bad feed, records it instead."""
    try:
        items = parse(download(feed.url))
    except FeedError as error:
        feed_mark_error(feed=feed, message=str(error))
    except Exception as error:  # noqa: BLE001 - any parser failure is the feed's
        feed_mark_error(feed=feed, message=f"could not read: {type(error).__name__}")
    else:
        feed_store(feed=feed, items=items)
    return feed

"""Whole pages kept for visitors, with validators.

A visitor (signed out, no session, no message waiting) sees exactly what every other
visitor sees at the same address, in the same language and time zone. A plugin marks
such a view with :func:`for_visitors`, naming the *generations* the page depends on
(``"forums"``, ``"forums:thread:42"``…). The first visitor's response is kept under a
key made of the address (its host included), the language, the time zone and the
current value of each generation; later visitors get it without the view running or
the database being asked anything.

A plugin calls :func:`changed` for a generation whenever something a visitor sees may
have changed (a reply, an edit, a post hidden by a moderator, a name changed). The
generation then takes a new random value, at once and again after the transaction
commits, so the next visitor's key is new: nothing is deleted, nothing stale is
reached, and a missed change is bounded by ``PAGE_CACHE_SECONDS``.

Never kept: members' pages, anything with a cookie to set, a CSRF token in it (the
page called ``get_token``), a message, a session written, a status other than 200,
or an address with query parameters other than those the view names (short
numbers, or text up to 200 characters where the view says so).

Every visitor response carries ``ETag`` and ``Last-Modified`` and answers a
revalidation with 304; ``Vary`` names the language and the cookie, so no shared
cache hands a visitor's page to a member.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from . import datasaver
from .conf import setting

_GENERATION = "pagecache:gen:"
_PAGE = "pagecache:page:"
# Query values a kept page may vary on: short numbers (a page number), nothing else,
# so nobody can fill the cache with addresses of their own making.
_MAX_VALUE = 6
# A text parameter (a search query) a kept page may vary on, at most this long.
_MAX_TEXT = 200
# Renewed by every change to anything the site search finds
# (``connect_search_renewal``).
SEARCH = "search"


def changed(*names: str) -> None:
    """Pages depending on any of ``names`` are rendered afresh from the next visitor
    on."""
    names = tuple(n for n in names if n)
    if names:
        # Now, for this transaction's own later reads, and again once committed, for
        # a visitor who read the new generation but the old rows in between.
        _renew(names)
        transaction.on_commit(lambda: _renew(names))


def _search_changed(sender, **kwargs) -> None:
    changed(SEARCH)


def connect_search_renewal() -> None:
    """Visitors' kept search pages are renewed by any save or delete of anything
    Wagtail indexes, in any app, and of a page's view restrictions (which decide
    what ``public()`` finds)."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import PageViewRestriction
    from wagtail.search.index import get_indexed_models

    for model in [*get_indexed_models(), PageViewRestriction]:
        for signal in (post_save, post_delete):
            signal.connect(
                _search_changed,
                sender=model,
                dispatch_uid=f"search-kept-{model._meta.label}-{id(signal)}",
            )


def _renew(names: Iterable[str]) -> None:
    cache.set_many(
        {_GENERATION + name: secrets.token_hex(8) for name in names}, timeout=None
    )


def _generations(names: list[str]) -> list[str]:
    keys = [_GENERATION + name for name in names]
    found = cache.get_many(keys)
    missing = {key: secrets.token_hex(8) for key in keys if key not in found}
    for key, value in missing.items():
        # Another worker may have set it first: theirs wins, so all agree.
        if not cache.add(key, value, timeout=None):
            value = cache.get(key) or value
        found[key] = value
    return [found[key] for key in keys]


def kept(key: str, names: list[str], compute: Callable, seconds: int | None = None):
    """``compute()``, kept under ``key`` for as long as the generations ``names``
    stay the same (and ``seconds`` at most): for parts of members' pages that every
    reader shares, such as a thread's tags."""
    generations = _generations(names)
    full = f"pagecache:part:{key}:{':'.join(generations)}"
    value = cache.get(full)
    if value is None:
        value = compute()
        cache.set(full, value, seconds or setting("PAGE_CACHE_SECONDS") or 60)
    return value


def _keepable_request(request, params: tuple[str, ...], text: tuple[str, ...]) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    if getattr(request, "user", None) is None or request.user.is_authenticated:
        return False
    for name, values in request.GET.lists():
        if len(values) != 1:
            return False
        value = values[0]
        if name in text:
            if len(value) > _MAX_TEXT:
                return False
        elif name not in params or len(value) > _MAX_VALUE or not value.isdigit():
            return False
    return True


def _keepable_response(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # the page holds a token
        return False
    session = getattr(request, "session", None)
    if session is not None and (session.modified or not session.is_empty()):
        return False
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", None)
    if queued:
        return False
    return "private" not in response.get("Cache-Control", "") and (
        "no-store" not in response.get("Cache-Control", "")
    )


def _key(request, names: list[str]) -> str:
    parts = [
        # The site too: a Wagtail install may serve several, each with its settings.
        request.scheme,
        request.get_host(),
        request.path,
        "&".join(f"{k}={v}" for k, v in sorted(request.GET.items())),
        translation.get_language() or "",
        timezone.get_current_timezone_name(),
        # A visitor's browser may ask to save data (``community.datasaver``).
        "save-data" if datasaver.browser_asks(request) else "",
        *_generations(names),
    ]
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()
    return _PAGE + digest


def _validated(request, response: HttpResponse, etag: str, modified: float):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = "max-age=0"
    patch_vary_headers(response, ("Accept-Language", "Cookie", "Save-Data"))
    return get_conditional_response(
        request, etag=etag, last_modified=int(modified), response=response
    )


def for_visitors(
    generations: Callable[..., list[str]],
    *,
    params: tuple[str, ...] = (),
    text: tuple[str, ...] = (),
) -> Callable:
    """Keep the view's visitor responses whole. ``generations(request, *args,
    **kwargs)`` names what the page depends on; ``params`` are the query parameters
    it may vary on (numbers only), ``text`` those that may hold short text (a search
    query)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            seconds = setting("PAGE_CACHE_SECONDS")
            if not seconds or not _keepable_request(request, params, text):
                return view(request, *args, **kwargs)
            key = _key(request, generations(request, *args, **kwargs))
            entry = cache.get(key)
            if entry is not None:
                content, content_type, etag, modified = entry
                response = HttpResponse(content, content_type=content_type)
                response["X-Page-Cache"] = "hit"
                return _validated(request, response, etag, modified)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if not _keepable_response(request, response):
                return response
            modified = timezone.now().timestamp()
            digest = hashlib.blake2b(response.content, digest_size=16).hexdigest()
            etag = f'"{digest}"'
            cache.set(
                key,
                (response.content, response["Content-Type"], etag, modified),
                seconds,
            )
            response["X-Page-Cache"] = "miss"
            return _validated(request, response, etag, modified)

        return wrapped

    return decorator

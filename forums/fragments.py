"""Visitors' thread pages share one rendering of their posts.

A visitor may only read, so every visitor sees the same HTML for the same posts.
Rendering twenty posts is most of a thread page's cost, so that HTML is cached under
a digest of everything it shows (each post's text, byline, times, state and reaction
counts, the language, the time zone and the template itself). A change to any of those
is a new key: the cache never needs invalidating and never serves a stale post, and the
posts themselves are still read on every request, with their permissions.
"""

from __future__ import annotations

import functools
import hashlib

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from .conf import setting

TEMPLATE = "forums/includes/posts.html"
_PARTS = (TEMPLATE, "forums/includes/post.html")


def posts_html(request, posts: list, *, shared: bool) -> SafeString:
    """The posts of a thread page; cached when ``shared`` (a reader who may do
    nothing but read, with no per-person controls or tokens in the HTML)."""
    if not shared:
        return render_to_string(TEMPLATE, {"posts": posts}, request)
    key = "forums:posts:" + _digest(posts)
    html = cache.get(key)
    if html is None:
        html = render_to_string(TEMPLATE, {"posts": posts}, request)
        cache.set(key, html, setting("FRAGMENT_CACHE_SECONDS"))  # a SafeString
    return html


def _digest(posts: list) -> str:
    state = [
        _template_version(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
    ]
    for post in posts:
        state.append(
            (
                post.pk,
                post.number,
                post.thread_id,
                post.byline,
                post.handle,
                post.anonymous,
                post.created.isoformat(),
                post.edited_at and post.edited_at.isoformat(),
                post.deleted_at is not None,
                post.hidden,
                post.show_hidden,
                post.held_own,
                post.body_html,
                post.helpful_count,
                post.tried_count,
                post.thanks_count,
                post.is_answer,
                post.show_reactors,
                post.can_react,
                post.can_quote,
                post.can_edit,
                post.can_delete,
                post.can_mark,
            )
        )
    return hashlib.blake2b(repr(state).encode(), digest_size=20).hexdigest()


@functools.cache
def _template_version() -> str:
    """Changes when a deploy changes the templates, so old fragments are not reused."""
    source = "".join(get_template(name).template.source for name in _PARTS)
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()

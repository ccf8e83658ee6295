"""Readers share cached renderings of a thread page's posts.

Rendering twenty posts is most of a thread page's cost, yet most readers see exactly
the same HTML: every visitor does, and so do members whose controls on those posts are
the same (they wrote none of them, reacted to none, moderate none). So the HTML is
cached under a digest of everything it shows: each post's text, byline, times, state
and reaction counts, the controls this reader has on it, the language, the time zone
and the template itself. A change to any of those is a new key, so the cache never
needs invalidating and never serves a stale or someone else's post; the posts and the
permissions are still read on every request.

Members' forms need their own CSRF token: the cached HTML holds a placeholder, and
each response gets the reader's token in its place.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from .conf import setting

TEMPLATE = "forums/includes/posts.html"
_PARTS = (TEMPLATE, "forums/includes/post.html")


def posts_html(request, posts: list) -> SafeString:
    member = bool(request.user.is_authenticated)
    key = "forums:posts:" + _digest(posts, member)
    html = cache.get(key)
    if html is None:
        context = {"posts": posts}
        if member:
            context["csrf_token"] = _placeholder()
        html = render_to_string(TEMPLATE, context, request)
        cache.set(key, html, setting("FRAGMENT_CACHE_SECONDS"))  # a SafeString
    if member:
        # Our own rendering with the token (letters and digits) put in its place.
        html = SafeString(html.replace(_placeholder(), get_token(request)))
    return html


def _digest(posts: list, member: bool) -> str:
    state = [
        _template_version(),
        member,
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
                post.author_url,
                post.anonymous,
                post.created.isoformat(),
                post.edited_at and post.edited_at.isoformat(),
                post.deleted_at is not None,
                post.hidden,
                post.body_html,
                post.helpful_count,
                post.tried_count,
                post.thanks_count,
                post.is_answer,
                # What this reader may do with it, and has done.
                post.show_hidden,
                post.show_reactors,
                post.held_own,
                getattr(post, "held_reason", ""),
                post.can_react,
                post.can_quote,
                post.can_edit,
                post.can_delete,
                post.can_mark,
                post.can_flag,
                post.may_moderate,
                getattr(post, "ask_url", ""),
                getattr(post, "message_url", ""),
                tuple(sorted(post.mine)),
            )
        )
    return hashlib.blake2b(repr(state).encode(), digest_size=20).hexdigest()


@functools.cache
def _placeholder() -> str:
    """Stands for the reader's CSRF token in cached HTML: the same in every worker,
    and not something a post's author can guess and write into a post."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"forums-csrf-placeholder", hashlib.sha256
    ).hexdigest()


@functools.cache
def _template_version() -> str:
    """Changes when a deploy changes the templates, so old fragments are not reused."""
    source = "".join(get_template(name).template.source for name in _PARTS)
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()

"""The one text pipeline: Markdown source → sanitised HTML.

Nothing else in the suite renders user text. CommonMark (markdown-it-py, raw HTML off)
renders; bleach then keeps only an allow-list, so even a renderer bug cannot let markup
through; links get ``rel="nofollow ugc noopener"``. User headings start at ``<h3>``
because the page owns ``<h1>`` and ``<h2>``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt

if TYPE_CHECKING:
    from .mentions import Mentions

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "em",
        "strong",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
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
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "ol": ["start"],
    "th": ["align"],
    "td": ["align"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
HEADING_SHIFT = 2  # "#" becomes <h3>


def _shift_heading(self, tokens, idx, options, env):
    token = tokens[idx]
    token.tag = f"h{min(int(token.tag[1]) + HEADING_SHIFT, 6)}"
    return self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    )
    md.enable(["table", "strikethrough"])
    md.add_render_rule("heading_open", _shift_heading)
    md.add_render_rule("heading_close", _shift_heading)
    return md


def _set_rel(attrs, new=False):
    href_key = (None, "href")
    if href_key not in attrs:
        return attrs
    attrs[(None, "rel")] = LINK_REL
    return attrs


@lru_cache(maxsize=1)
def _linker() -> Linker:
    # Bare URLs become links too (chat messages rarely use Markdown link syntax).
    return Linker(callbacks=[_set_rel], skip_tags={"pre", "code"}, parse_email=False)


def render(source: str, *, mentions: Mentions | None = None) -> str:
    """Render untrusted Markdown to safe HTML. With ``mentions`` (resolved for the
    place the text is written, :mod:`community.mentions`), its mentions become links
    to the members' profiles, added after sanitising."""
    if not source:
        return ""
    html = _markdown().render(source)
    cleaned = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    html = _linker().linkify(cleaned)
    return mentions.link(html) if mentions is not None else html


def render_plain(source: str, *, mentions: Mentions | None = None) -> str:
    """Plain text (chat): no Markdown structure, but links made clickable and escaped;
    mentions as in :func:`render`."""
    if not source:
        return ""
    escaped = bleach.clean(source, tags=set(), strip=True)
    html = _linker().linkify(escaped).replace("\n", "<br>")
    return mentions.link(html) if mentions is not None else html

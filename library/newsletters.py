"""Turning a newsletter issue into sections, and sections into an email with an HTML
part, a plain-text part and one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import html as html_lib
import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from . import contrib
from .conf import absolute, site_url
from .models import Kind, LibraryItem


def html_to_text(markup: str) -> str:
    """Plain text for the email's text part: links keep their address."""
    text = re.sub(
        r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>',
        lambda m: f"{m.group(2)} ({m.group(1)})",
        markup,
        flags=re.S,
    )
    text = re.sub(r"<li[^>]*>", "- ", text)
    text = re.sub(r"</(p|li|h\d|ul|ol|div)>|<br\s*/?>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html_lib.unescape(text)
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _item_dict(item: LibraryItem) -> dict:
    return {
        "title": item.title,
        "url": absolute(item.get_url()),
        "snippet": item.summary,
        "meta": f"{Kind(item.kind).label} · {item.publication_date:%d %b %Y}",
    }


def _contrib_dict(item: contrib.Item) -> dict:
    return {
        "title": item.title,
        "url": absolute(item.url),
        "snippet": item.snippet,
        "meta": item.meta,
    }


def issue_sections(issue) -> list[dict]:
    """What each block shows now: text, or a list of items (title, url, snippet)."""
    from wagtail.rich_text import expand_db_html

    sections: list[dict] = []
    for block in issue.body:
        value = block.value
        if block.block_type == "text":
            markup = expand_db_html(value.source)
            markup = re.sub(r'href="/', f'href="{site_url()}/', markup)
            sections.append(
                {"type": "text", "html": markup, "text": html_to_text(markup)}
            )
        elif block.block_type == "featured_resource":
            page = value["page"]
            if page is None or not page.live:
                continue
            item = LibraryItem.objects.filter(pk=page.pk).first()
            if item is None:
                continue
            entry = _item_dict(item)
            if value["note"]:
                entry["snippet"] = value["note"]
            sections.append(
                {"type": "items", "heading": _("Featured"), "items": [entry]}
            )
        elif block.block_type == "recent_resources":
            items = (
                LibraryItem.objects.live().public().order_by("-publication_date", "-pk")
            )
            if value["tag"]:
                items = items.filter(tagged_items__tag__slug=value["tag"])
            sections.append(
                {
                    "type": "items",
                    "heading": value["heading"],
                    "items": [_item_dict(i) for i in items[: value["count"]]],
                }
            )
        elif block.block_type in {"upcoming_events", "active_discussions"}:
            kind = "events" if block.block_type == "upcoming_events" else "discussions"
            found = contrib.newsletter_items(kind, limit=value["count"])
            if found:
                sections.append(
                    {
                        "type": "items",
                        "heading": value["heading"],
                        "items": [_contrib_dict(i) for i in found],
                    }
                )
    return sections


def render_issue(issue, *, unsubscribe_url: str, sections=None) -> tuple[str, str]:
    context = {
        "issue": issue,
        "intro_html": _absolute_links(issue.intro),
        "intro_text": html_to_text(_absolute_links(issue.intro)),
        "sections": sections if sections is not None else issue.sections(),
        "unsubscribe_url": unsubscribe_url,
        "archive_url": absolute(issue.get_url() or ""),
        "site_url": site_url(),
    }
    return (
        render_to_string("library/email/newsletter.html", context),
        render_to_string("library/email/newsletter.txt", context),
    )


def _absolute_links(markup: str) -> str:
    from wagtail.rich_text import expand_db_html

    return re.sub(r'href="/', f'href="{site_url()}/', expand_db_html(markup or ""))


def build_message(
    *, issue, to: str, unsubscribe_url: str, sections=None, subject_prefix: str = ""
) -> EmailMultiAlternatives:
    html, text = render_issue(issue, unsubscribe_url=unsubscribe_url, sections=sections)
    message = EmailMultiAlternatives(
        subject=f"{subject_prefix}{issue.title}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{_('Newsletter')} <newsletter.{_list_host()}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _list_host() -> str:
    host = re.sub(r"^https?://", "", site_url()).split("/")[0].split(":")[0]
    return host or "localhost"

"""Forum emails: a plain-text part, an HTML part, and one-click unsubscribe.

Each email carries a signed link that switches off that kind of email without signing
in, and the ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers (RFC 8058) so mail
clients offer the same in one click.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .conf import site_url
from .models import EmailKind
from .tokens import make_unsubscribe_token


def absolute(path: str) -> str:
    return f"{site_url()}{path}"


def unsubscribe_url(user, kind: str) -> str:
    return absolute(
        reverse("forums:unsubscribe", args=[make_unsubscribe_token(user, kind)])
    )


def build_email(
    *,
    user,
    kind: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    reply_to: list[str] | None = None,
) -> EmailMultiAlternatives:
    link = unsubscribe_url(user, kind)
    context = {
        **context,
        "recipient": user,
        "unsubscribe_url": link,
        "preferences_url": absolute(reverse("forums:preferences")),
        "kind_label": EmailKind(kind).label,
        "site_url": site_url(),
    }
    text = render_to_string(f"forums/email/{template}.txt", context)
    html = render_to_string(f"forums/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        reply_to=reply_to,
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message

"""Taking part by email: a reply to a notification becomes a post.

- **Reply addresses.** Each notification email carries an address signed for one
  member and one thread (``reply+<member>-<thread>-<signature>@REPLY_DOMAIN``). Nothing
  in it can be changed without the site's key, so a guessed or edited address is
  refused, and it only works from the member's own email address: a forwarded
  notification does not let someone else post as them.
- **Safe spaces.** Anonymity by email is never an accident: a notification from a
  safe space sets no Reply-To at all and offers two addresses in its text, one to
  reply under one's name and one, signed separately, to reply anonymously.
- **What becomes the post.** The newest part of the message only: quoted text (top-
  or bottom-posted, in English or French), the client's "On … wrote:" line and the
  signature are taken off (``mail-parser-reply``, plus the quoted lines it leaves);
  an HTML-only message is read as text; attachments are not posted. Then the same
  pipeline as the web: ``services.post_create`` (permissions, content policy, rate
  limits, moderation hold), so a locked thread or lost access refuses it.
- **Once.** The message's Message-ID becomes the post's ``client_id``: the same
  message delivered twice (a retry, a replay) is one post.
- **Refusals** are answered to the sender with the reason, but only when the sender
  is a member of the site (no replies to strangers, so the site never sends
  backscatter), and never to automatic messages (``Auto-Submitted``, bounces).

Messages arrive from a Maildir (``manage.py forums_mail_inbound``) or from a mail
gateway posting them to ``/forums/inbound/`` with ``INBOUND_TOKEN``.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import uuid
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage as OutgoingEmail
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from community import opaque

from .conf import setting

logger = logging.getLogger(__name__)

_SALT = "forums.inbound.reply-address"
_LOCAL = re.compile(r"^(?P<prefix>[a-z0-9._-]+)\+(?P<token>[a-z0-9-]+)$", re.IGNORECASE)


def _ref(what: str, pk: int) -> str:
    """An id as the address shows it: opaque (``community.opaque``), so an address
    forwarded or seen over a shoulder tells nothing of account or thread numbers."""
    return opaque.encode(f"forums.reply-address.{what}", pk)


def _sign(kind: str, user_id: int, thread_id: int) -> str:
    value = f"{kind}:{user_id}:{thread_id}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:24]


def enabled() -> bool:
    return bool(setting("REPLY_DOMAIN"))


def reply_address(user, thread, *, anonymous: bool = False) -> str:
    """The address that posts to ``thread`` as ``user`` (anonymously if asked)."""
    kind = "a" if anonymous else "n"
    token = (
        f"{kind}{_ref('member', user.pk)}-{_ref('thread', thread.pk)}"
        f"-{_sign(kind, user.pk, thread.pk)}"
    )
    return f"{setting('REPLY_PREFIX')}+{token}@{setting('REPLY_DOMAIN')}"


def reply_addresses(user, thread) -> dict:
    """The addresses that answer ``thread`` by email (``forums.inbound``). From a
    safe space the email sets no Reply-To: its text offers the named address and,
    where the member may post anonymously, the anonymous one, so that neither is
    chosen by a press of "Reply"."""
    from .permissions import can_post_anonymously

    if not enabled():
        return {}
    safe = thread.space.safe_space
    return {
        "reply_safe": safe,
        "reply_named": reply_address(user, thread),
        "reply_anonymous": reply_address(user, thread, anonymous=True)
        if safe and can_post_anonymously(user, thread.space)
        else "",
    }


@dataclass(frozen=True)
class Target:
    user_id: int
    thread_id: int
    anonymous: bool


def read_address(address: str) -> Target | None:
    """The member and thread a reply address names, or None if it is not one of
    ours or was not signed by this site."""
    local, _at, domain = (address or "").strip().rpartition("@")
    if domain.lower() != setting("REPLY_DOMAIN").lower():
        return None
    match = _LOCAL.match(local)
    if not match or match["prefix"].lower() != setting("REPLY_PREFIX").lower():
        return None
    parts = match["token"].lower().split("-")
    if len(parts) != 3 or len(parts[0]) < 2 or parts[0][0] not in "na":
        return None
    kind = parts[0][0]
    user_id = opaque.decode("forums.reply-address.member", parts[0][1:])
    thread_id = opaque.decode("forums.reply-address.thread", parts[1])
    if user_id is None or thread_id is None:
        return None
    if not constant_time_compare(parts[2], _sign(kind, user_id, thread_id)):
        return None
    return Target(user_id=user_id, thread_id=thread_id, anonymous=kind == "a")


# --- Reading a message ----------------------------------------------------------------


def _to_text(markup: str) -> str:
    """An HTML-only message as plain text, quoted parts left out."""
    markup = re.sub(
        r"<(blockquote|style|script|head)\b.*?</\1>", "", markup, flags=re.S | re.I
    )
    # Gmail's and Outlook's wrappers around the quoted message.
    markup = re.split(
        r'<div[^>]+(?:class="gmail_quote|id="(?:appendonsend|divRplyFwdMsg|mail-editor-reference-message-container))',
        markup,
        maxsplit=1,
        flags=re.I,
    )[0]
    markup = re.sub(r"<br\s*/?>|</(p|div|li|h\d)>", "\n", markup, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", markup)).replace("\xa0", " ")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return part.get_content()
    part = message.get_body(preferencelist=("html",))
    return _to_text(part.get_content()) if part is not None else ""


_ATTRIBUTION = re.compile(
    r"^(on .{4,200}wrote:|le .{4,200}a écrit\s?:|-+ ?original message ?-+|"
    r"-+ ?message d'origine ?-+|from: .+|de ?: .+)$",
    re.IGNORECASE,
)


def newest_part(text: str) -> str:
    """What the member wrote this time: no quotes, no attribution, no signature."""
    from mailparser_reply import EmailReplyParser

    replies = EmailReplyParser(languages=["en", "fr"]).read(text).replies
    for reply in replies:
        lines = [
            line
            for line in reply.body.splitlines()
            if not line.startswith(">") and not _ATTRIBUTION.match(line.strip())
        ]
        body = "\n".join(lines).strip()
        # A bottom-posted reply: the first part is all quote, the reply follows it.
        if body:
            return re.split(r"^-- ?$", body, maxsplit=1, flags=re.M)[0].strip()
    return ""


def _message_id(message: EmailMessage, raw: bytes) -> uuid.UUID:
    """The message's own id, as the post's ``client_id``: a second delivery is the
    same post. A message without one is known by its bytes."""
    mid = (message.get("Message-ID") or "").strip()
    seed = mid or base64.b64encode(raw[:4096]).decode()
    return uuid.uuid5(uuid.NAMESPACE_URL, f"mail:{seed}")


def _automatic(message: EmailMessage) -> bool:
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    precedence = (message.get("Precedence") or "").strip().lower()
    return (
        auto != "no"
        or precedence in {"bulk", "junk", "auto_reply"}
        or (message.get("Return-Path") or "").strip() == "<>"
    )


def _target(message: EmailMessage) -> tuple[str, Target | None]:
    """The first of our reply addresses among the recipients, and what it names."""
    headers = ("Delivered-To", "X-Original-To", "To", "Cc")
    for _name, address in getaddresses(
        [value for header in headers for value in message.get_all(header, [])]
    ):
        if address.lower().endswith("@" + setting("REPLY_DOMAIN").lower()):
            return address, read_address(address)
    return "", None


@dataclass
class Outcome:
    status: str  # "posted", "held", "duplicate", "refused", "ignored"
    reason: str = ""
    post_id: int | None = None


def receive(raw: bytes) -> Outcome:
    """Turn one delivered message into a post, or say why not (and tell the sender
    when they are a member)."""
    from . import services
    from .models import Post, Thread

    if not enabled():
        return Outcome("ignored", "reply by email is off")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if _automatic(message):
        return Outcome("ignored", "an automatic message")
    sender = parseaddr(message.get("From", ""))[1].strip().lower()
    User = get_user_model()
    member = User.objects.filter(email__iexact=sender, is_active=True).first()
    address, target = _target(message)

    def refuse(reason: str) -> Outcome:
        if member is not None:
            _tell(member, sender, message, reason)
        return Outcome("refused", reason)

    if target is None:
        return refuse(
            _(
                "This address was not one the learning centre gave you, so nothing was "
                "posted. Reply to a notification email, or write on the site."
            )
        )
    if member is None or member.pk != target.user_id:
        # Someone else using a member's address (a forwarded email), or a stranger.
        logger.info("inbound reply from another sender refused", extra={"to": address})
        return refuse(
            _(
                "This reply address belongs to another member, so nothing was posted. "
                "Replies are accepted only from the email address they were sent to."
            )
        )
    thread = Thread.objects.select_related("space").filter(pk=target.thread_id).first()
    if thread is None or thread.deleted_at or thread.hidden:
        return refuse(_("That thread is no longer on the site, so nothing was posted."))
    client_id = _message_id(message, raw)
    earlier = Post.objects.filter(author=member, client_id=client_id).first()
    if earlier is not None:  # delivered again: the post it made, nothing more
        return Outcome("duplicate", post_id=earlier.pk)
    body = newest_part(_text_of(message))
    if not body:
        return refuse(_("Your reply looked empty once the quoted email was taken off."))
    try:
        post = services.post_create(
            thread=thread,
            author=member,
            body=body,
            anonymous=target.anonymous,
            client_id=client_id,
        )
    except PermissionDenied as denied:
        return refuse(
            _("Your reply was not posted: %(why)s")
            % {"why": str(denied) or _("you cannot reply in that thread now.")}
        )
    except ValidationError as error:
        return refuse(
            _("Your reply was not posted: %(why)s") % {"why": " ".join(error.messages)}
        )
    if post.hidden:
        return Outcome("held", post_id=post.pk)
    return Outcome("posted", post_id=post.pk)


def _tell(member, sender: str, message: EmailMessage, reason: str) -> None:
    from django.utils import translation

    from .digest import member_language

    with translation.override(member_language(member)):
        subject = _("Not posted: %(subject)s") % {
            "subject": (message.get("Subject") or "").strip()[:150]
        }
        OutgoingEmail(
            subject=subject,
            body=reason,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[sender],
            headers={
                "Auto-Submitted": "auto-replied",
                "In-Reply-To": message.get("Message-ID", ""),
            },
        ).send(fail_silently=True)

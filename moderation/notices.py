"""The note an author gets when a moderator decides on their content.

In plain words and with its context: which of their posts (where, and what it said),
what the moderator decided, what that means for them from now on, the moderator's own
words introduced as the moderator's note, and where to ask. It goes to the author
alone, in their own language. It never says who flagged; for anonymous content it is
the one place the author and the content meet, and only the author reads it.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.conf import absolute
from community.conf import setting as community_setting

from .conf import setting
from .models import SANCTION_ACTIONS, Action, Outcome

QUOTE_LENGTH = 200


def language_of(user) -> str:
    """The language the member reads their emails and notices in."""
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def quote(text: str) -> str:
    """The first words of what they wrote, on one line."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > QUOTE_LENGTH:
        text = text[: QUOTE_LENGTH - 1].rstrip() + "…"
    return text


def _intro(adapter, content) -> str:
    place = adapter.place_name(content)
    anonymous = adapter.is_anonymous(content)
    what = adapter.label(content)
    if place and anonymous:
        text = _(
            "A moderator looked at the %(what)s you posted anonymously in “%(place)s”:"
        )
    elif place:
        text = _("A moderator looked at your %(what)s in “%(place)s”:")
    elif anonymous:
        text = _("A moderator looked at the %(what)s you posted anonymously:")
    else:
        text = _("A moderator looked at your %(what)s:")
    return text % {"what": what, "place": place}


def _sanction_words(
    action: str, *, alias_only: bool, period: str, named_possible: bool = True
) -> str:
    if action == Action.WARN:
        return _("What they decided: a warning. You can post as before.")
    if alias_only and not named_possible:
        # A relay's hidden author: writing under their name would share who they are.
        words = {
            Action.MUTE: _(
                "What they decided: you cannot send anonymous messages here %(period)s."
            ),
            Action.SUSPEND: _(
                "What they decided: you cannot write anonymously here %(period)s."
            ),
            Action.REQUIRE_REVIEW: _(
                "What they decided: %(period)s, a moderator will check what you post "
                "anonymously here before others see it."
            ),
        }
    elif alias_only:
        words = {
            Action.MUTE: _(
                "What they decided: you cannot send anonymous chat messages in this "
                "space %(period)s. You can still write under your name."
            ),
            Action.SUSPEND: _(
                "What they decided: you cannot post anonymously in this space "
                "%(period)s. You can still post under your name."
            ),
            Action.REQUIRE_REVIEW: _(
                "What they decided: %(period)s, a moderator will check what you post "
                "anonymously here before others see it."
            ),
        }
    else:
        words = {
            Action.MUTE: _(
                "What they decided: you cannot send chat messages %(period)s."
            ),
            Action.SUSPEND: _("What they decided: you cannot post %(period)s."),
            Action.REQUIRE_REVIEW: _(
                "What they decided: %(period)s, a moderator will check your posts "
                "before others see them."
            ),
        }
    return words[action] % {"period": period}


def _period(sanction) -> str:
    """The sanction's length in words: for the next 30 days (until 12 June 2026)."""
    if sanction is None or sanction.ends is None:
        return _("for now")
    days = sanction.decision.days or 0
    return ngettext(
        "for the next %(days)s day (until %(until)s)",
        "for the next %(days)s days (until %(until)s)",
        days,
    ) % {"days": days, "until": date_format(localtime(sanction.ends), "DATE_FORMAT")}


def _content_words(action: str, outcome: str, what: str) -> str:
    if action == Action.HIDE:
        return _(
            "What they decided: they hid it. Only you and the moderators can see it now."
        )
    if action == Action.EDIT:
        return _("What they decided: they edited it; it now shows their version.")
    if action == Action.DELETE:
        return _("What they decided: they removed it.")
    if outcome == Outcome.HIDDEN:
        return _("Your %(what)s is hidden: only you and the moderators can see it.") % {
            "what": what
        }
    return _("Your %(what)s stays visible.") % {"what": what}


def decision_text(*, adapter, content, decision, sanction=None) -> str:
    """The notice, in the active language (the caller chooses the author's)."""
    what = adapter.label(content)
    paragraphs = [f"{_intro(adapter, content)}\n“{quote(decision.excerpt)}”"]
    decided = []
    if decision.action in SANCTION_ACTIONS:
        decided.append(
            _sanction_words(
                decision.action,
                alias_only=bool(sanction and sanction.alias_only),
                period=_period(sanction),
                named_possible=adapter.named_possible(content),
            )
        )
    decided.append(_content_words(decision.action, decision.outcome, what))
    hidden = decision.action == Action.HIDE or (
        decision.outcome == Outcome.HIDDEN and decision.action != Action.DELETE
    )
    if hidden and adapter.resubmit_by_editing:
        decided.append(
            _("You can edit it to resubmit it: a moderator will look at it again.")
        )
    paragraphs.append(" ".join(decided))
    paragraphs.append(_("The moderator's note: “%(note)s”") % {"note": decision.reason})
    contact = setting("CONTACT_EMAIL")
    ask = (
        _(
            "Questions, or do you think this was a mistake? Write to the moderators at "
            "%(email)s and a moderator will look at it again."
        )
        % {"email": contact}
        if contact
        else _(
            "Questions, or do you think this was a mistake? Our code of conduct says "
            "how to ask."
        )
    )
    paragraphs.append(
        ask
        + " "
        + _("Code of conduct: %(url)s")
        % {"url": absolute(community_setting("CODE_OF_CONDUCT_URL"))}
    )
    return "\n\n".join(paragraphs)


def decision_url(*, adapter, content, decision) -> str:
    """A link to the content while its author can still open it: shown, or hidden
    where they can edit it to resubmit it; never to removed content."""
    if decision.action == Action.DELETE:
        return ""
    if adapter.is_hidden(content) and not adapter.resubmit_by_editing:
        return ""
    return adapter.url(content)


def in_language_of(user):
    return translation.override(language_of(user))

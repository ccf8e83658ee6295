"""The forums' one namespaced setting, ``settings.FORUMS``, with safe defaults.

A host overrides only the keys it needs:

    FORUMS = {"POSTS_PER_PAGE": 25, "DIGEST_HOUR": 6}
"""

from typing import Any

from community.conf import read_setting
from community.conf import site_url as base_site_url

DEFAULTS: dict[str, Any] = {
    # Posts per thread page; permalinks compute the page from the post number.
    "POSTS_PER_PAGE": 20,
    # Threads per space page.
    "THREADS_PER_PAGE": 25,
    # Absolute links in emails. Empty: fall back to WAGTAILADMIN_BASE_URL.
    "SITE_URL": "",
    # Digests go out at this local hour (the recipient's time zone), and weekly ones
    # on this local weekday (0 = Monday).
    "DIGEST_HOUR": 7,
    "DIGEST_WEEKDAY": 0,
    # A visit refreshes "last seen" at most this often (seconds): one write, not one a
    # page view.
    "LAST_SEEN_RESOLUTION": 300,
    # An email's unsubscribe link works for this many days.
    "UNSUBSCRIBE_DAYS": 60,
    # Longest body accepted, in characters.
    "MAX_BODY_LENGTH": 20_000,
    # At most this many people notified by one post's @mentions.
    "MAX_MENTIONS": 10,
    # The compose boxes' mention suggestions: names offered at once, and how often a
    # member may ask (count/seconds).
    "MENTION_SUGGESTIONS": 8,
    "MENTION_LOOKUP_RATE": "60/60",
    # Seconds the notification bell's count is kept in the cache for pages outside the
    # forums. A notification created or read clears it at once; this bounds only what
    # else can change it (a thread hidden, a space left).
    "BELL_CACHE_SECONDS": 300,
    # Seconds a visitors' rendering of a thread page's posts stays cached (its key is
    # a digest of what it shows, so this only bounds memory, never staleness).
    "FRAGMENT_CACHE_SECONDS": 3600,
    # Search results shown in the site search's forum group.
    "SEARCH_RESULTS": 10,
    # Rank search results by relevance. None: only on PostgreSQL (the database
    # backend's relevance scoring on SQLite slows down as matches grow).
    "SEARCH_ORDER_BY_RELEVANCE": None,
    # The per-worker watch: access re-checks, leases and presence, every this many
    # seconds. A killed worker's sockets stop counting after three ticks and two
    # seconds.
    "CHAT_WATCH_SECONDS": 2.0,
    # Private conversations: at most this many people in one (the starter included);
    # a member in their first days (``MODERATION["NEW_MEMBER_DAYS"]``) starts them with
    # at most NEW_MEMBER_CONVERSATION_PEOPLE. How many a member may start (count/
    # seconds; the moderation app's rate limits, new members by the second).
    "CONVERSATION_MAX_PEOPLE": 8,
    "NEW_MEMBER_CONVERSATION_PEOPLE": 2,
    "CONVERSATION_RATE": "10/86400",
    "NEW_MEMBER_CONVERSATION_RATE": "3/86400",
    # Conversations per page of the inbox.
    "CONVERSATIONS_PER_PAGE": 25,
    # Open chat sockets allowed per member (across workers), and per visitor address.
    "CHAT_SOCKETS_PER_MEMBER": 8,
    "CHAT_SOCKETS_PER_VISITOR_ADDRESS": 20,
    # Taking part by email (``forums.inbound``): the domain whose mail reaches the
    # site (``REPLY_PREFIX+<signed token>@REPLY_DOMAIN``). Empty: emails carry no
    # reply address and nothing is read.
    "REPLY_DOMAIN": "",
    "REPLY_PREFIX": "reply",
    # What a mail gateway sends as ``Authorization: Bearer <token>`` to post messages
    # to /forums/inbound/. Empty: that endpoint does not exist (a Maildir still works).
    "INBOUND_TOKEN": "",
}


def setting(name: str) -> Any:
    return read_setting("FORUMS", DEFAULTS, name)


def site_url() -> str:
    return base_site_url(setting("SITE_URL"))

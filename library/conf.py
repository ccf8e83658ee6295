"""The library's one namespaced setting, ``settings.LIBRARY``, with safe defaults.

A host overrides only the keys it needs:

    LIBRARY = {"PAGE_SIZE": 30, "NEWSLETTER_BATCH_SIZE": 500}
"""

from typing import Any

from community.conf import absolute as base_absolute
from community.conf import read_setting
from community.conf import site_url as base_site_url

DEFAULTS: dict[str, Any] = {
    # Resources per page on the library index.
    "PAGE_SIZE": 20,
    # Tag links shown in the index's tag facet (selected tags are always shown).
    "TAG_FACET_SIZE": 20,
    # Most relevant matches a search considers before facets narrow them.
    "SEARCH_LIMIT": 1000,
    # Seconds a worker keeps its in-memory facet index at most; any change to the
    # library replaces it sooner (see ``library.facets``).
    "FACET_INDEX_SECONDS": 300,
    # Items per group on a tag page, and related items on a resource page.
    "TAG_PAGE_ITEMS": 20,
    "RELATED_ITEMS": 5,
    # Newsletter emails per background task (one SMTP connection each).
    "NEWSLETTER_BATCH_SIZE": 200,
    # Newsletter sign-ups (visitors): at most N per period per IP address, and per
    # email address, so the form cannot be used to flood someone's inbox.
    "SUBSCRIBE_LIMIT_PER_IP": (10, 3600),
    "SUBSCRIBE_LIMIT_PER_ADDRESS": (3, 86400),
    # Days a double opt-in confirmation link stays valid.
    "CONFIRMATION_DAYS": 7,
    # Absolute links in emails and feeds. Empty: fall back to WAGTAILADMIN_BASE_URL.
    "SITE_URL": "",
    # Collections for library documents: public attachments, and restricted files
    # (drafts, embargoed reports) that only library editors may download.
    "COLLECTION": "Library",
    "RESTRICTED_COLLECTION": "Library (restricted)",
    # Other apps' tagged content, found without importing them. An app may instead
    # register the ``community_tagged_items`` hook (see ``library.contrib``). Each
    # model needs ``tags`` (taggit), ``objects.visible_to(user)`` and
    # ``get_absolute_url()``; absent apps are skipped.
    "TAGGED_MODELS": {
        "discussions": {
            "model": "forums.Thread",
            "title": "Discussions",
            "recent": "-last_activity_at",
            "order": 200,
        },
        "events": {
            "model": "events.Event",
            "title": "Events",
            "recent": "starts_at",
            "upcoming_field": "starts_at",
            "order": 300,
        },
    },
    # Audio files an episode accepts.
    "AUDIO_EXTENSIONS": ["mp3", "m4a", "ogg", "oga", "opus", "wav"],
}


def setting(name: str) -> Any:
    return read_setting("LIBRARY", DEFAULTS, name)


def site_url() -> str:
    return base_site_url(setting("SITE_URL"))


def absolute(path: str) -> str:
    return base_absolute(path, setting("SITE_URL"))

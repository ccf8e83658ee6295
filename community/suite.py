"""The integration contract: what a Wagtail site adds to take in the whole suite.

Importable from a settings module (nothing here touches Django's app registry at
import time). A host writes, in its settings::

    from community import suite

    INSTALLED_APPS = list(dict.fromkeys([*suite.APPS, *INSTALLED_APPS]))
    MIDDLEWARE += suite.MIDDLEWARE
    ASGI_APPLICATION = "community.asgi.application"

and, in its URL configuration, before Wagtail's catch-all::

    path("", include("community.suite_urls")),

Every other setting has a working default (``community.conf``, ``forums.conf``, …;
the channel layer defaults to the in-memory one, a single process, as Django's cache
defaults to local memory).
"""

# The plugins, in dependency order (community first: every other one builds on it),
# with the URL prefix each is mounted under by ``community.suite_urls``.
PLUGINS: dict[str, str] = {
    "community": "community/",
    "moderation": "moderation/",
    "forums": "forums/",
    "improvement": "improvement/",
    "library": "library/",
    "events": "events/",
    "connect": "connect/",
}

APPS: list[str] = [
    # Ahead of django.contrib.staticfiles: `runserver` then serves websockets too.
    "daphne",
    *PLUGINS,
    # What the plugins need beyond a Wagtail site's own apps (`wagtail start` already
    # lists wagtail, its admin, images, documents, snippets, search, taggit and
    # modelcluster; a host that lacks one gets it from here).
    "wagtail.contrib.routable_page",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.snippets",
    "wagtail.search",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "channels",
    "django_tasks",
]

# Appended after the host's own middleware: each needs the session and the signed-in
# user, which a Wagtail site's list already provides.
MIDDLEWARE: list[str] = [
    "allauth.account.middleware.AccountMiddleware",
    # A code refused past its limits gets a page that says so, never a server error.
    "community.middleware.RateLimitedMiddleware",
    # Staff and national roles must have two-factor sign-in before they act.
    "community.middleware.RequireMFAMiddleware",
    # Times in the reader's zone: theirs, else their organisation's, else TIME_ZONE.
    "community.middleware.ReaderZoneMiddleware",
    # The page's own weight in its footer, where the layout asks ({% page_weight %}).
    "community.middleware.PageWeightMiddleware",
    # Whose page it is, for the service worker; outbox sends answered readably.
    "community.offline.OfflineMiddleware",
]


def websocket_urlpatterns() -> list:
    """The websocket routes of every installed plugin, for the host's ASGI router
    (``community.asgi`` mounts them; a host with its own ASGI application mounts
    these). Call it after ``django.setup()``."""
    from .routing import collect_websocket_urlpatterns

    return collect_websocket_urlpatterns()

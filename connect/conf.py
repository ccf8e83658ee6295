"""The connect plugin's one namespaced setting, ``settings.CONNECT``, with safe defaults.

A host overrides only the keys it needs:

    CONNECT = {"FEED_TIMEOUT": 5, "LOCAL_FEED_DIRS": [BASE_DIR / "connect" / "fixtures"]}
"""

from typing import Any

from community.conf import absolute as base_absolute
from community.conf import read_setting
from community.conf import site_url as base_site_url

DEFAULTS: dict[str, Any] = {
    # Learning needs per page in the list.
    "NEEDS_PER_PAGE": 20,
    # Members per page in the directory.
    "DIRECTORY_PER_PAGE": 24,
    # Results in the site search's groups.
    "SEARCH_RESULTS": 8,
    # External feeds: seconds to wait for a server, largest body read, redirects
    # followed, items kept per feed.
    "FEED_TIMEOUT": 10,
    # Seconds a whole fetch may take, however the server drips its answer.
    "FEED_DEADLINE": 30,
    "FEED_MAX_BYTES": 1024 * 1024,
    "FEED_MAX_REDIRECTS": 3,
    "FEED_MAX_ITEMS": 30,
    # Directories from which ``file://`` feeds may be read (the local demo's fixture
    # files). Empty in production: only http(s) feeds are fetched.
    "LOCAL_FEED_DIRS": [],
    # Feeds on loopback, private or link-local addresses (the server's own network)
    # are refused unless this is on (tests use a server on 127.0.0.1).
    "ALLOW_PRIVATE_FEED_HOSTS": False,
    # Absolute links in emails. Empty: fall back to WAGTAILADMIN_BASE_URL.
    "SITE_URL": "",
}


def setting(name: str) -> Any:
    return read_setting("CONNECT", DEFAULTS, name)


def site_url() -> str:
    return base_site_url(setting("SITE_URL"))


def absolute(path: str) -> str:
    return base_absolute(path, setting("SITE_URL"))

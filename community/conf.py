"""The suite's settings live in one namespaced dict, ``settings.COMMUNITY``.

Each plugin reads its own keys through :func:`setting`; a host overrides only what it
needs. Defaults are safe for production.
"""

from typing import Any

from django.conf import settings as django_settings

DEFAULTS: dict[str, Any] = {
    # Moderators and editors must set up two-factor authentication before acting.
    "REQUIRE_MFA_FOR_PRIVILEGED": True,
    # `seed_demo` runs only where the host allows it (never in production).
    "ALLOW_DEMO_SEED": False,
    # Shown on sign-up and linked from compose forms.
    "CODE_OF_CONDUCT_URL": "/code-of-conduct/",
    # Counts of people (in a room, behind a need...) below this show as "a few".
    "MIN_GROUP_SIZE": 5,
    # Visitors' pages kept whole this long at most (``community.pagecache``); every
    # change a visitor could see renews them at once. 0 turns the keeping off.
    "PAGE_CACHE_SECONDS": 300,
    # What a Prometheus scraper sends as ``Authorization: Bearer <token>`` to read
    # ``/metrics`` (``community.metrics``); empty: only signed-in superusers may.
    "METRICS_TOKEN": "",
    # A member who asks to delete their account may change their mind for this long;
    # then ``privacy_housekeeping`` erases it (``community.personal_data``).
    "ACCOUNT_DELETION_GRACE_DAYS": 14,
    # A sign-up whose address or number was never proved is removed after this
    # long (``privacy_housekeeping``): it cannot sign in, and may hold someone
    # else's number or address that a stranger typed.
    "UNFINISHED_SIGNUP_DAYS": 7,
    # What the privacy page promises about what the site's machines keep. The suite
    # cannot enforce these: deploy/ does (journald's MaxRetentionSec, the backup
    # timer's pruning, prune_db_task_results), and a host that changes one there says
    # so here.
    "LOG_RETENTION_DAYS": 14,
    "BACKUP_RETENTION_DAYS": 14,
    "TASK_RETENTION_DAYS": 14,
    "FAILED_TASK_RETENTION_DAYS": 30,
    # What a member may keep on their phone for offline reading ("Keep for
    # offline": pages and their documents), and how many recently opened pages the
    # service worker keeps besides (``community.offline``).
    "OFFLINE_CAP_MB": 50,
    "OFFLINE_RECENT_PAGES": 30,
    # Web Push (``community.push``): the site's VAPID private key (base64url, or
    # PEM; ``manage.py push_keys`` makes one). Empty: no notifications on phones.
    "PUSH_VAPID_PRIVATE_KEY": "",
    # Who the push services may write to about this site; empty: DEFAULT_FROM_EMAIL.
    "PUSH_CONTACT": "",
    "PUSH_MAX_SUBSCRIPTIONS": 10,
    # Tests only: a push endpoint on this machine, over HTTP.
    "PUSH_ALLOW_LOCAL_ENDPOINTS": False,
    # Phone numbers (``community.phones``): the country whose numbers members may
    # type without their country code (ISO 3166 code, e.g. "RW"); empty: every
    # number needs it. The gateway that sends codes by SMS, a dotted path
    # (``community.phones.HttpGateway`` with the three settings after it, or the
    # console and file ones for development); empty: none.
    "PHONE_REGION": "",
    # The only countries (ISO codes) whose numbers get codes; empty: any. Texts to
    # far-away premium numbers are how "SMS pumping" fraud is paid.
    "PHONE_ALLOWED_REGIONS": [],
    "SMS_GATEWAY": "",
    "SMS_GATEWAY_URL": "",
    "SMS_GATEWAY_TOKEN": "",
    "SMS_SENDER": "",
    "SMS_FILE_PATH": "",
}


def read_setting(namespace: str, defaults: dict[str, Any], name: str) -> Any:
    """``settings.<namespace>[name]`` if the host set it, else the plugin's default.
    Read on every call, so ``override_settings`` in tests just works. Each plugin's
    ``conf.setting`` is this with its own namespace and defaults."""
    overrides = getattr(django_settings, namespace, {}) or {}
    if name in overrides:
        return overrides[name]
    return defaults[name]


def setting(name: str) -> Any:
    return read_setting("COMMUNITY", DEFAULTS, name)


def site_url(own: str = "") -> str:
    """The site's absolute address for emails and feeds: a plugin's own ``SITE_URL``
    if set, else Wagtail's ``WAGTAILADMIN_BASE_URL``; no trailing slash."""
    return (own or getattr(django_settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")


def absolute(path: str, own: str = "") -> str:
    if path.startswith(("http://", "https://")):
        return path
    return f"{site_url(own)}{path}"

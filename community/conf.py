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
}


def setting(name: str) -> Any:
    overrides = getattr(django_settings, "COMMUNITY", {})
    if name in overrides:
        return overrides[name]
    return DEFAULTS[name]

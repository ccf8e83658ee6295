"""Scaled deployment. Refuses to start without the values a real site needs."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, REDIS_URL, SECRET_KEY

_missing = [
    name
    for name, value in (
        ("DJANGO_SECRET_KEY", SECRET_KEY),
        ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS),
        ("REDIS_URL", REDIS_URL),
    )
    if not value
]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + ", ".join(_missing)
    )
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-only", "test-only")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a long random value.")

# Sessions read from Redis and written through to the database (a Redis restart signs
# nobody out): a signed-in page no longer asks the database who is asking.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

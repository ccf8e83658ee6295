"""Tests: the embedded default, or real services when DATABASE_URL/REDIS_URL are set."""

import os
from urllib.parse import urlsplit, urlunsplit

from .dev import *  # noqa: F403
from .dev import (
    BASE_DIR,
    CACHES,
    CHANNEL_LAYERS,
    COMMUNITY,
    DATABASES,
    FORUMS,
    REDIS_URL,
    STORAGES,
)

DEBUG = False
SECRET_KEY = "test-only-not-secret-" + "y" * 32
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    # Tests render templates without running collectstatic first.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True  # a real server started by a test serves app static
COMMUNITY = {
    **COMMUNITY,
    "REQUIRE_MFA_FOR_PRIVILEGED": False,
    # A key for tests only (the push endpoints they send to are their own stubs).
    "PUSH_VAPID_PRIVATE_KEY": "BClc9lLPbBLGFqdw1gbo8ttir3yiVNp5RKBD224z5bc",
    # Codes by SMS land in files (tests/sms.py reads them), one folder per parallel
    # worker; the servers a test starts write to the same one.
    "SMS_GATEWAY": "community.phones.FileGateway",
    "SMS_FILE_PATH": str(
        BASE_DIR / ".test-sms" / (os.environ.get("PYTEST_XDIST_WORKER") or "main")
    ),
}
ACCOUNT_RATE_LIMITS = False
ALLOWED_HOSTS = ["*"]
# Generous limits: tests that exercise rate limiting set their own.
MODERATION = {
    "RATE_LIMITS": {
        "thread": "1000/60",
        "post": "1000/60",
        "chat": "1000/10",
        "flag": "1000/60",
    }
}

# No connection pool in tests: each test holds its connection for its whole
# transaction, and tests that start threads would wait on a full pool.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)

# On SQLite the test database is a file, so that a real ASGI server started by a test
# (websockets end to end) can open it too.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / os.environ.get("COP_TEST_SQLITE", ".test-db.sqlite3"))
    }

# The realtime watch ticks faster in tests: access re-checks, leases and presence in
# half a second instead of two.
FORUMS = {**FORUMS, "CHAT_WATCH_SECONDS": 0.5}

# Parallel workers (pytest-xdist) each have their own test database, so ids repeat
# between them. On Redis each worker gets its own database number too (the URL's, plus
# the worker's): one worker's "room 5" never hears the other's, and a test's
# cache.clear() (a FLUSHDB) empties only its own worker's. Servers a test starts
# inherit the variable and land on the same one.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER and REDIS_URL:
    _url = urlsplit(REDIS_URL)
    _number = (int(_url.path.strip("/") or 0) + int(WORKER.removeprefix("gw"))) % 16
    _worker_url = urlunsplit(_url._replace(path=f"/{_number}"))
    CACHES = {"default": {**CACHES["default"], "LOCATION": _worker_url}}
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = _worker_url

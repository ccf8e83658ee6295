"""The embedded default: one laptop, `make run`. Relaxes base.py, never weakens prod."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, COMMUNITY, FORUMS, env_bool, env_list, observability


def dev_push_key(path) -> str:
    if not path.exists():
        from community.push import new_private_key

        path.write_text(new_private_key())
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-not-secret-" + "x" * 32
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
COMMUNITY = {
    **COMMUNITY,
    "REQUIRE_MFA_FOR_PRIVILEGED": env_bool("REQUIRE_MFA_FOR_PRIVILEGED", False),
    "ALLOW_DEMO_SEED": True,
    # A key of this checkout's own, made on first start (not committed).
    "PUSH_VAPID_PRIVATE_KEY": COMMUNITY["PUSH_VAPID_PRIVATE_KEY"]
    or dev_push_key(BASE_DIR / ".dev-push-key"),
    # Members sign up with a phone number too: codes are printed where the server
    # runs (SMS_GATEWAY=file writes them to .sms/ instead).
    "PHONE_REGION": COMMUNITY["PHONE_REGION"] or "RW",
    "PHONE_ALLOWED_REGIONS": COMMUNITY["PHONE_ALLOWED_REGIONS"] or ["RW"],
    "SMS_GATEWAY": COMMUNITY["SMS_GATEWAY"]
    or {
        "file": "community.phones.FileGateway",
    }.get(os.environ.get("SMS_GATEWAY", ""), "community.phones.ConsoleGateway"),
    "SMS_FILE_PATH": str(BASE_DIR / ".sms"),
}
from .phone import *  # noqa: E402, F403

# Notification emails (on the console) carry reply addresses; a message to one, put
# in a Maildir, is posted by `manage.py forums_mail_inbound <maildir>`.
FORUMS = {
    **FORUMS,
    "REPLY_DOMAIN": FORUMS["REPLY_DOMAIN"] or "reply.learning.localhost",
}
# The demo's partner feeds are local fixture files: only this directory may be read.
CONNECT = {"LOCAL_FEED_DIRS": [BASE_DIR / "connect" / "fixtures"]}

# Plain log lines on a terminal (LOG_FORMAT=json for what production writes).
LOGGING = observability.logging_config(
    level=os.environ.get("LOG_LEVEL", "WARNING"),
    fmt=os.environ.get("LOG_FORMAT", "text"),
)

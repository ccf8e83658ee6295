"""Spirit's production settings, for the forum benchmark's peer.

Spirit 0.14.3's ``spirit startproject`` template (``spirit/extra/project_template``)
splits its settings into ``base.py`` and ``prod.py``; this is the two of them folded
into one, with only what a benchmark on this machine needs changed: where the data
lives, the database, the hosts, and quieter logging. What the template chooses for
production is kept as it is, so the peer runs as a Spirit site would be deployed:

- the cache is Django's database cache (``createcachetable`` makes its tables);
  Spirit only uses it for rate limits on form posts, so pages never touch it;
- search is Whoosh through haystack, indexed on demand by ``rebuild_index``;
- static files are hashed by ``ManifestStaticFilesStorage`` and left to the proxy
  in front (there is no whitenoise in the template), so ``collectstatic`` must have
  run before the first page renders with DEBUG off.

Runs only inside the peer's own virtualenv: nothing here is part of the project.
"""

import os
from urllib.parse import unquote, urlsplit

DATA_DIR = os.environ.get("SPIRIT_DATA_DIR", "/tmp/cop-bench-spirit")  # noqa: S108

DEBUG = False

# Made up for the benchmark; sessions it signs live only in the benchmark database.
SECRET_KEY = os.environ.get(
    "SPIRIT_SECRET_KEY", "cop-bench-spirit-not-secret-8d1f0c2e7b5a4f3e9c6d"
)

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "spirit.core",
    "spirit.admin",
    "spirit.search",
    "spirit.user",
    "spirit.user.admin",
    "spirit.user.auth",
    "spirit.category",
    "spirit.category.admin",
    "spirit.topic",
    "spirit.topic.admin",
    "spirit.topic.favorite",
    "spirit.topic.moderate",
    "spirit.topic.notification",
    "spirit.topic.private",
    "spirit.topic.unread",
    "spirit.comment",
    "spirit.comment.bookmark",
    "spirit.comment.flag",
    "spirit.comment.flag.admin",
    "spirit.comment.history",
    "spirit.comment.like",
    "spirit.comment.poll",
    "djconfig",
    "haystack",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "spirit.user.middleware.TimezoneMiddleware",
    "spirit.user.middleware.LastIPMiddleware",
    "spirit.user.middleware.LastSeenMiddleware",
    "spirit.user.middleware.ActiveUserMiddleware",
    "spirit.core.middleware.PrivateForumMiddleware",
    "djconfig.middleware.DjConfigMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.debug",
                "django.template.context_processors.i18n",
                "django.template.context_processors.media",
                "django.template.context_processors.static",
                "django.template.context_processors.tz",
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "djconfig.context_processors.config",
            ]
        },
    }
]


def _database(url: str) -> dict:
    """``postgres://user:password@host:port/name`` as Django's DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"SPIRIT_DATABASE_URL must be a postgres:// URL, not {url!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Spirit's template leaves Django's default, a new connection per request.
        # Under gunicorn's sync workers Django's documentation advises persistent
        # connections, and a peer measured without them would flatter this project:
        # they cost Spirit about a third of its throughput here (34-48 against
        # 84 req/s on the thread page). ``SPIRIT_CONN_MAX_AGE=0`` measures the
        # template as it is.
        "CONN_MAX_AGE": int(os.environ.get("SPIRIT_CONN_MAX_AGE", "600")),
    }


DATABASES = {
    "default": _database(
        os.environ.get(
            "SPIRIT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cop_bench_spirit"
        )
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "spirit_cache",
    },
    "st_rate_limit": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "spirit_rl_cache",
        "TIMEOUT": None,
    },
}

AUTHENTICATION_BACKENDS = [
    "spirit.user.auth.backends.UsernameAuthBackend",
    "spirit.user.auth.backends.EmailAuthBackend",
]

HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": os.path.join(DATA_DIR, "st_search"),
    }
}
HAYSTACK_SIGNAL_PROCESSOR = "spirit.search.signals.RealtimeSignalProcessor"

ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"

LOGIN_URL = "spirit:user:auth:login"
LOGIN_REDIRECT_URL = "spirit:user:update"
LOGOUT_REDIRECT_URL = "spirit:index"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


def gettext_noop(s):
    return s


# Every language Spirit ships, as the production template lists them: the locale
# middleware picks among these on each request.
LANGUAGES = [
    ("de", gettext_noop("German")),
    ("en", gettext_noop("English")),
    ("es", gettext_noop("Spanish")),
    ("fr", gettext_noop("French")),
    ("hu", gettext_noop("Hungarian")),
    ("it", gettext_noop("Italian")),
    ("ky", gettext_noop("Kyrgyz")),
    ("lt", gettext_noop("Lithuanian")),
    ("pl", gettext_noop("Polish")),
    ("pl-pl", gettext_noop("Poland Polish")),
    ("ru", gettext_noop("Russian")),
    ("sv", gettext_noop("Swedish")),
    ("tr", gettext_noop("Turkish")),
    ("zh-hans", gettext_noop("Simplified Chinese")),
]

STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(DATA_DIR, "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = os.path.join(DATA_DIR, "media")
STORAGES = {
    "default": {"BACKEND": "spirit.core.storage.OverwriteFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}

# Spirit refuses to start without it; it only builds the links in emails.
ST_SITE_URL = "http://127.0.0.1/"

DEFAULT_FROM_EMAIL = "webmaster@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# Errors only, to stderr (gunicorn sends it to its error log). The template also
# mails the admins; no mail leaves a benchmark.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "verbose": {"format": "%(levelname)s %(asctime)s %(module)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "verbose",
            "level": "ERROR",
        }
    },
    "root": {"handlers": ["console"], "level": "ERROR"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "ERROR", "propagate": False}
    },
}

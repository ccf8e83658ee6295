"""Production-safe defaults. Every deployment value comes from the environment.

With no ``DATABASE_URL`` the site runs on SQLite; with no ``REDIS_URL`` it uses the
in-memory channel layer and a local-memory cache (one process only). ``production.py``
refuses to start in that state.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from community import observability, suite

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "cop_site"


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The plugin suite first (its apps and the third-party apps they need, in order), then
# the host's own: the same lines the README gives any Wagtail site.
INSTALLED_APPS = list(
    dict.fromkeys(
        [
            *suite.APPS,
            "home",
            "django_guid",  # a request id in every log line (community.observability)
            # Wagtail
            "wagtail.contrib.forms",
            "wagtail.contrib.redirects",
            "wagtail.contrib.settings",
            "wagtail.contrib.sitemaps",
            "wagtail.contrib.simple_translation",
            "wagtail.locales",
            "wagtail.api.v2",
            "wagtail.embeds",
            "wagtail.sites",
            "wagtail.users",
            "wagtail.admin",
            "wagtail",
            "django_filters",
            "rest_framework",
            # Tasks: a database queue and `manage.py db_worker` in production
            "django_tasks_db",
            # Django
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "django.contrib.postgres",
            "django.contrib.humanize",
            "django.contrib.sitemaps",
        ]
    )
)

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "community.metrics.metrics_middleware",  # /metrics: requests by view and status
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    *suite.MIDDLEWARE,
]

ROOT_URLCONF = "cop_site.urls"
ASGI_APPLICATION = "cop_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database: SQLite unless DATABASE_URL says otherwise -------------------------
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
# PostgreSQL: a connection pool (psycopg_pool) per process. Under ASGI, Django's docs
# advise against persistent connections; without either, every request paid for a new
# connection and a new server process. DATABASE_POOL_MAX=0 turns the pool off.
_pool_max = int(os.environ.get("DATABASE_POOL_MAX", "10"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _pool_max:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections instead
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, _pool_max),
        "max_size": _pool_max,
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the seed or a task writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and cache: Redis when REDIS_URL is set ------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 defaults to a 5 s socket timeout, the same as the layer's
                # blocking read: quiet sockets would be closed with 1011. No timeout on
                # reads, and a pool big enough for mass connects (channels-redis #422).
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "max_connections": int(
                            os.environ.get("REDIS_MAX_CONNECTIONS", "1000")
                        ),
                    }
                ],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "community.cache.PooledRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cop",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Tasks: a database queue and `manage.py db_worker` in production -------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Accounts (django-allauth) ---------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupExtrasForm"
ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
ACCOUNT_USER_DISPLAY = "community.adapters.user_display"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's rate limits are on by default; they count in the cache above, which is
# Redis (shared by every worker) whenever REDIS_URL is set.
# Behind the site's own proxies (deploy/: nginx, so 1), the client's address is the
# entry of X-Forwarded-For the nearest proxy wrote; 0 (the default) trusts no header.
# allauth's limits and the suite's (moderation.ratelimit.client_ip) read it alike.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    # Each SMS costs money and reaches a phone that may not be the asker's: codes
    # per number ("key", hashed by allauth) over a minute and a day, and per address
    # over a minute and an hour. Not longer per address: the privacy page promises
    # that an address is held only for a limit's window, an hour at most.
    "verify_phone": "1/30s/key,5/d/key,3/m/ip,10/h/ip",
    "request_login_code": "3/m/key,10/d/key,20/m/ip,30/h/ip",
    "change_phone": "1/m/user,5/d/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Two-factor secrets are encrypted at rest (community.mfa); the key defaults to one
# derived from SECRET_KEY. Set MFA_ENCRYPTION_KEY (Fernet.generate_key()) to keep them
# readable across a SECRET_KEY rotation.
MFA_ADAPTER = "community.mfa.EncryptingMFAAdapter"
MFA_ENCRYPTION_KEY = os.environ.get("MFA_ENCRYPTION_KEY", "")
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Learning centre")

# --- Email -----------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Learning centre <no-reply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------
STATIC_URL = "/static/"
# The host site's own stylesheet and script; apps bring theirs in <app>/static/.
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security --------------------------------------------------------------------
SESSION_COOKIE_SECURE = True
# How long a sign-in lasts (and a session is kept): the privacy page states it.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_DAYS", "14")) * 86400
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
    # Wagtail's admin uses inline scripts and styles of its own.
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
}

# --- Wagtail ---------------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("SITE_NAME", "National learning centre")
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
# Podcast audio is a Wagtail document too: served through the same checked view.
WAGTAILDOCS_EXTENSIONS += ["mp3", "m4a", "ogg", "oga", "opus", "wav"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
TAGGIT_CASE_INSENSITIVE = True
# ASCII tag slugs ("réanimation néonatale" → reanimation-neonatale): plain URLs that
# every tag page's <slug:…> route accepts.
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True
# Content in English and French with Wagtail's own i18n: editors translate pages with
# the simple translation workflow. The UI language is the member's choice (profile,
# footer form, browser), kept in a cookie: no language prefix in URLs. Wagtail serves
# the home page's translation in the active language at "/" (``HomePage.route`` falls
# back to the default language for pages not translated yet).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# Read-only API (Wagtail API v2 on Django REST framework): GET only, no browsable forms.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}

# --- The plugin suite's one namespaced setting -----------------------------------
COMMUNITY = {
    # Moderators and editors must set up two-factor authentication.
    "REQUIRE_MFA_FOR_PRIVILEGED": env_bool("REQUIRE_MFA_FOR_PRIVILEGED", True),
    "ALLOW_DEMO_SEED": False,
    # A Prometheus scraper's bearer token for /metrics (community.metrics).
    "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
    # Notifications on phones (community.push): `manage.py push_keys` makes a key.
    "PUSH_VAPID_PRIVATE_KEY": os.environ.get("PUSH_VAPID_PRIVATE_KEY", ""),
    "PUSH_CONTACT": os.environ.get("PUSH_CONTACT", ""),
    # Phone numbers and codes by SMS (community.phones; cop_site/settings/phone.py).
    "PHONE_REGION": os.environ.get("PHONE_REGION", ""),
    # Codes only to the country the site serves unless the environment says more.
    "PHONE_ALLOWED_REGIONS": env_list(
        "PHONE_ALLOWED_REGIONS", os.environ.get("PHONE_REGION", "")
    ),
    "SMS_GATEWAY": "community.phones.HttpGateway"
    if os.environ.get("SMS_GATEWAY_URL")
    else "",
    "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", ""),
    "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", ""),
    "SMS_SENDER": os.environ.get("SMS_SENDER", ""),
}
if COMMUNITY["SMS_GATEWAY"]:
    from .phone import *  # noqa: E402, F403

# Taking part by email (forums.inbound): the domain whose mail reaches the site, and
# the token a mail gateway posts messages with. Empty: no reply addresses.
FORUMS = {
    "REPLY_DOMAIN": os.environ.get("FORUMS_REPLY_DOMAIN", ""),
    "INBOUND_TOKEN": os.environ.get("FORUMS_INBOUND_TOKEN", ""),
}

# One JSON object per line with the request's id (LOG_FORMAT=text for a terminal);
# see community.observability. The id is nginx's X-Request-ID (deploy/), or a new one.
LOGGING = observability.logging_config(
    level=os.environ.get("LOG_LEVEL", "WARNING"),
    fmt=os.environ.get("LOG_FORMAT", "json"),
)
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,  # a malformed id from outside is replaced, not logged
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
}
# Error reports to a Sentry-compatible service, only when a DSN is given; nothing
# personal is sent (community.observability.scrub).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    observability.init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
        release=os.environ.get("SENTRY_RELEASE", ""),
    )

"""Settings come from the environment; production refuses to start half-configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Its own processes and databases: played once, in CI's SQLite pass.
pytestmark = pytest.mark.engine_free

PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "layer_hosts": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts"),
    "cache": settings.CACHES["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "csrf": settings.CSRF_TRUSTED_ORIGINS,
    "media": str(settings.MEDIA_ROOT),
    "email": settings.EMAIL_BACKEND,
    "email_host": settings.EMAIL_HOST,
    "apps": settings.INSTALLED_APPS,
}))
"""

SERVICE_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
)


def run(settings_module: str, code: str = PROBE, args=None, **env):
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = settings_module
    return subprocess.run(
        args or [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe(settings_module: str, **env) -> dict:
    result = run(settings_module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_and_in_memory_layer():
    values = probe("cop_site.settings.dev")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["cache"].endswith("LocMemCache")
    assert values["email"].endswith("console.EmailBackend")


def test_database_and_redis_urls_switch_backends():
    values = probe(
        "cop_site.settings.dev",
        DATABASE_URL="postgres://someone@db.internal:5433/learning",
        REDIS_URL="redis://cache.internal:6380/2",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "learning"
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"
    host = values["layer_hosts"][0]
    assert host["address"] == "redis://cache.internal:6380/2"
    # redis-py 8's 5 s socket timeout would close quiet websockets (STACK-NOTES).
    assert host["socket_timeout"] is None
    assert host["max_connections"] >= 500
    assert values["cache"] == "community.cache.PooledRedisCache"


def test_deployment_values_come_from_env():
    values = probe(
        "cop_site.settings.production",
        DJANGO_SECRET_KEY="k" * 64,
        DJANGO_ALLOWED_HOSTS="learn.example.org,www.learn.example.org",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://learn.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
        MEDIA_ROOT="/srv/media",
        EMAIL_HOST="smtp.example.org",
    )
    assert values["debug"] is False
    assert values["hosts"] == ["learn.example.org", "www.learn.example.org"]
    assert values["csrf"] == ["https://learn.example.org"]
    assert values["media"] == "/srv/media"
    assert values["email"].endswith("smtp.EmailBackend")
    assert values["email_host"] == "smtp.example.org"
    assert values["apps"][0] == "daphne"
    assert "django.contrib.postgres" in values["apps"]


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REDIS_URL"]
)
def test_production_refuses_to_start_without(missing):
    env = {
        "DJANGO_SECRET_KEY": "k" * 64,
        "DJANGO_ALLOWED_HOSTS": "learn.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    env.pop(missing)
    result = run("cop_site.settings.production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_refuses_a_short_or_dev_secret():
    result = run(
        "cop_site.settings.production",
        DJANGO_SECRET_KEY="short",
        DJANGO_ALLOWED_HOSTS="learn.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_reports_nothing_in_production():
    result = run(
        "cop_site.settings.production",
        args=[
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        DJANGO_SECRET_KEY="q8#v!" + "Zr7pLx2Wm9" * 6,
        DJANGO_ALLOWED_HOSTS="learn.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_seed_demo_data():
    result = run(
        "cop_site.settings.production",
        args=[sys.executable, "manage.py", "seed_demo"],
        DJANGO_SECRET_KEY="q8#v!" + "Zr7pLx2Wm9" * 6,
        DJANGO_ALLOWED_HOSTS="learn.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="sqlite:////nonexistent/never-touched.sqlite3",
    )
    assert result.returncode != 0
    assert "Demo data is disabled" in result.stderr


def test_make_run_links_emails_and_feeds_to_the_port_it_serves():
    """`PORT=8140 make run` used to serve on 8140 while the podcast feed, newsletters
    and emails linked to 8000: the Makefile exports the address it serves as SITE_URL,
    the one source community.conf.site_url reads."""
    import shutil

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parent.parent
    shown = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "--eval",
            "show-site-url: ; @echo $$SITE_URL",
            "show-site-url",
            "PORT=8140",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "SITE_URL"},
    )
    assert shown.stdout.strip() == "http://127.0.0.1:8140"

"""The apps are a plugin suite: a bare Wagtail host installs `community` alone, then each
plugin one at a time, then all of them, and each combination migrates and serves without
the host site.

Each combination boots on a copy of the run's migrated test database (``tests.databases``
migrates it from empty once per run; its apps are a superset of the bare host's): so
`migrate` still loads each combination's migration graph (a dependency on a plugin it
lacks fails there) and applies anything the template lacks, and `makemigrations --check`
still runs for exactly its apps. Every migration applied from empty in a site that is not
`cop_site` is the outside adopter's part (``tests/test_adopter.py``).

The hosts use their own SQLite whatever the pass: played once, in CI's SQLite pass."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Plugins join this list as they land; each is installed on top of `community` alone.
PLUGINS: list[str] = ["moderation", "improvement", "library", "connect"]
# Plugins that build on others (DESIGN: forums uses moderation; events' live sessions
# are forums chat rooms) are installed with what they need, and nothing more.
STACKS: list[list[str]] = [["moderation", "forums"], ["moderation", "forums", "events"]]

BOOT = """
import sys, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
call_command("makemigrations", "--check", "--dry-run", verbosity=0)
from django.test import Client
from django.contrib.auth import get_user_model
client = Client()
login = client.get("/accounts/login/")
assert login.status_code == 200, login.status_code
profile = client.get("/community/profile/")
assert profile.status_code == 302 and "/accounts/login/" in profile["Location"]
User = get_user_model()
user = User.objects.filter(username="m-1").first() or User.objects.create_user(
    "m-1", "someone@example.org", "pw"
)
client.force_login(user)
assert client.get("/community/profile/").status_code == 200
for plugin in sys.argv[1:]:
    # Each plugin's own pages answer under the prefix the host gave them.
    response = client.get(f"/{plugin}/")
    assert response.status_code < 500, (plugin, response.status_code)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in {"cop_site", "home"})
assert not leaked, leaked
print("OK")
"""


def boot(plugins: list[str], database: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.hosts.minimal.settings",
        "COP_TEST_PLUGINS": ",".join(plugins),
        "COP_TEST_DB": str(database),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", BOOT, *plugins],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("OK")


@pytest.fixture(scope="module")
def migrated(django_db_setup, tmp_path_factory) -> Path:
    """A copy of the run's migrated SQLite test database (every app of the suite and
    more), taken under its lock."""
    from tests import databases

    database = tmp_path_factory.mktemp("bare-host") / "template.sqlite3"
    databases.copy_template(database)
    return database


@pytest.mark.parametrize(
    "plugins",
    [[]] + [[p] for p in PLUGINS] + STACKS + [[*PLUGINS, "forums", "events"]],
    ids=lambda p: "+".join(["community", *p]),
)
@pytest.mark.engine_free
def test_bare_host_migrates_and_serves(plugins, migrated, tmp_path):
    database = tmp_path / "host.sqlite3"
    shutil.copyfile(migrated, database)
    boot(plugins, database)


def test_no_plugin_imports_the_host():
    plugin_dirs = ["community", *PLUGINS, "forums", "events"]
    offenders = []
    for name in plugin_dirs:
        for path in (ROOT / name).rglob("*.py"):
            text = path.read_text()
            if (
                "import cop_site" in text
                or "from cop_site" in text
                or "from home" in text
            ):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_host_takes_in_the_suite_as_any_site_does(settings):
    """`cop_site` uses the same contract the README gives other sites: one list."""
    from django.urls import reverse

    from community import suite

    apps = settings.INSTALLED_APPS
    assert apps[: len(suite.APPS)] == suite.APPS
    assert len(apps) == len(set(apps))
    assert settings.MIDDLEWARE[-len(suite.MIDDLEWARE) :] == suite.MIDDLEWARE
    for name, prefix in suite.PLUGINS.items():
        assert reverse(f"{name}:" + _any_route(name)).startswith(f"/{prefix}")
    routes = {str(p.pattern) for p in suite.websocket_urlpatterns()}
    assert routes == {"ws/forums/threads/<thread:pk>/", "ws/chat/<int:room_id>/"}


def _any_route(app: str) -> str:
    """The name of one argument-free URL of ``app``."""
    from importlib import import_module

    for pattern in import_module(f"{app}.urls").urlpatterns:
        if getattr(pattern, "name", None) and not pattern.pattern.converters:
            return pattern.name
    raise AssertionError(f"{app} has no argument-free URL")

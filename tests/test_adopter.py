"""The outside adopter: a Wagtail site someone else made takes in the suite with the
README's lines ("Add the suite to an existing Wagtail site"), nothing more.

Built as they would: the wheel from a copy of the checkout, a fresh virtualenv outside
it (the wheel's declared dependencies, from the package index), `wagtail start`, the
lines read from the README itself (so the documentation cannot drift from what works),
`migrate`, `check`, then daphne serving the site: the plugins' pages, French from the
wheel's own catalogues, and a websocket handshake on a public thread.

Played once, in CI's SQLite pass: the adopter's site runs on its own SQLite database.
"""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from community.suite import PLUGINS
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Add the suite to an existing Wagtail site"

# The adopter's site has its own SQLite: played once, in CI's SQLite pass.
pytestmark = pytest.mark.engine_free

SEED = """
from pathlib import Path

from django.core.management import call_command

# `manage.py check --fail-level WARNING`, in this process: one start-up fewer.
call_command("check", fail_level="WARNING")

import community
from django.contrib.auth import get_user_model
from django.utils import translation
from forums import services
from forums.models import Visibility

# The suite comes from the wheel in this virtualenv, not from the checkout.
print("FROM", Path(community.__file__).parent)
with translation.override("fr"):
    print("FR", translation.gettext("Communities of practice"))
author = get_user_model().objects.create_user("adopter", "adopter@example.org", "pw")
space = services.space_create(
    name="Open ward", slug="open-ward", visibility=Visibility.PUBLIC
)
thread = services.thread_create(
    space=space, author=author, title="Hello from a new site", body="It works here."
)
print("THREAD", thread.get_absolute_url())
"""


def readme_lines() -> tuple[str, str]:
    """The settings block and the URL line, as the README gives them."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 2, "the section gives a settings block and a URL line"
    return blocks[0], blocks[1]


def run(args, *, cwd, env, timeout=600) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout


def get(url: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Location", "")


def test_a_new_wagtail_site_takes_in_the_suite_with_the_readme_lines(tmp_path):
    settings_block, url_line = readme_lines()
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
        and not key.startswith(("COP_", "PYTEST_", "VIRTUAL_ENV"))
    }

    # 1. The wheel, from a copy: nothing of the checkout leaks into the build.
    source = tmp_path / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for item in ["pyproject.toml", "README.md", *PLUGINS]:
        if (ROOT / item).is_dir():
            shutil.copytree(ROOT / item, source / item, ignore=ignore)
        else:
            shutil.copy2(ROOT / item, source / item)
    dist = tmp_path / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, "."],
        cwd=source,
        env=env,
    )
    (wheel,) = dist.glob("*.whl")

    # 2. A fresh virtualenv outside the checkout, with what the wheel declares.
    # This checkout's pip installs into it (``--python``), so the venv needs none of
    # its own; nothing is byte-compiled ahead, only what runs is, as it runs.
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q"]
    run([*pip, "--no-compile", wheel], cwd=tmp_path, env=env)

    # 3. Someone else's site, and the README's lines.
    run([venv / "bin" / "wagtail", "start", "mysite"], cwd=tmp_path, env=env)
    site = tmp_path / "mysite"
    base = site / "mysite" / "settings" / "base.py"
    base.write_text(base.read_text() + "\n" + settings_block)
    urls = site / "mysite" / "urls.py"
    text = urls.read_text()
    assert text.count("urlpatterns = [\n") == 1
    urls.write_text(text.replace("urlpatterns = [\n", "urlpatterns = [\n" + url_line))

    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings.dev"
    manage = [python, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v0"], cwd=site, env=env)
    seeded = run([*manage, "shell", "-c", SEED], cwd=site, env=env)
    found = dict(line.split(" ", 1) for line in seeded.splitlines() if " " in line)
    assert Path(found["FROM"]).is_relative_to(venv), found["FROM"]
    assert found["FR"] == "Communautés de pratique"  # the wheel's own catalogue
    thread_path = found["THREAD"]

    # 4. Served as the README says, by daphne with the suite's ASGI application.
    port = free_port()
    server = subprocess.Popen(
        [
            venv / "bin" / "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "community.asgi:application",
        ],
        cwd=site,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _html, _where = get(origin + "/accounts/login/")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()[-3000:]
                assert time.monotonic() < deadline, "daphne did not start"
                time.sleep(0.3)
        assert status == 200

        # The site's own home page still serves (Wagtail's catch-all comes after).
        status, html, _where = get(origin + "/")
        assert status == 200 and "Welcome to your new Wagtail site" in html

        # Public pages answer in the site's own layout.
        status, html, _where = get(origin + "/forums/")
        assert status == 200 and "Communities of practice" in html
        assert "/static/css/mysite.css" in html  # the adopter's base.html
        status, html, _where = get(origin + "/events/")
        assert status == 200
        status, html, _where = get(origin + thread_path)
        assert status == 200 and "It works here." in html
        live = re.search(r'data-live="([^"]+)"', html).group(1)

        # Members' pages send a visitor to allauth's sign-in under the suite's URLs.
        for path in ["/community/profile/", "/improvement/", "/moderation/"]:
            status, _html, where = get(origin + path)
            assert status == 302 and where.startswith("/accounts/login/"), path

        # One websocket handshake through the suite's routes.
        with connect(
            f"ws://127.0.0.1:{port}{live}", origin=origin, open_timeout=15
        ) as socket:
            assert socket.protocol.state.name == "OPEN"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

"""A real server in a subprocess, on the test database: daphne (ASGI, websockets
end to end; pytest-django's live server speaks WSGI only) or gunicorn (the scaled
set-up's HTTP, ``cop_site.wsgi``). The database must be one the subprocess can open: PostgreSQL, or the SQLite
file the test settings use for the test database.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


DAPHNE = [
    "-m",
    "daphne",
    "-b",
    "127.0.0.1",
    "-p",
    "{port}",
    "cop_site.asgi:application",
]
GUNICORN = [
    "-m",
    "gunicorn",
    "--workers",
    "2",
    "--bind",
    "127.0.0.1:{port}",
    "--preload",  # imports once, as the README's set-up does
    # gunicorn 27's control socket defaults to one path in the home folder: two
    # servers at once (two test workers) would fight over it.
    "--no-control-socket",
    "cop_site.wsgi:application",
]


class Server:
    def __init__(self, port: int | None = None, command: list[str] = DAPHNE):
        """A daphne worker on ``port`` (a free one by default; the same one as a
        killed worker's to play its restart), or what ``command`` runs."""
        self.port = port or free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cop_site.settings.test",
            "DATABASE_URL": database_url(),
        }
        self.process = subprocess.Popen(
            [sys.executable, *(part.format(port=self.port) for part in command)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # Generous: on a loaded CI machine (the other worker's browsers and servers)
        # importing the project alone has taken most of half a minute.
        deadline = time.monotonic() + 90
        last = "no answer"
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                # A fresh worker's first request loads the URLconf, every view and
                # hook, then checks the database and a channel-layer round trip (up
                # to 2 s): on a loaded machine that is more than 2 s, and a client
                # that gives up sooner never sees the answer, however long it polls.
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=15
                ) as r:
                    if r.status == 200:
                        return
                    last = f"/healthz answered {r.status}"
            except urllib.error.HTTPError as error:  # 503: database or layer down
                last = f"/healthz answered {error.code}: {error.read()[:300]!r}"
                time.sleep(0.3)
            except OSError as error:
                last = str(error)
                time.sleep(0.3)
        exited = self.process.poll()
        self.stop()
        raise RuntimeError(
            f"{command[1]} did not start ("
            + (f"exited {exited}" if exited is not None else last)
            + "): "
            + self.process.stderr.read().decode()[-2000:]
        )

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

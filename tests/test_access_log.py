"""The ASGI server as `make run` starts it keeps no access log: a safe-space write's
client address, path and time would come close to naming its author."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import database_url, free_port

ROOT = Path(__file__).resolve().parent.parent


def make_run_daphne_args() -> list[str]:
    """The daphne options `make run` passes (read from the Makefile itself)."""
    makefile = (ROOT / "Makefile").read_text()
    privacy = re.search(r"^DAPHNE_PRIVACY := (.*)$", makefile, re.M).group(1).split()
    assert "$(DAPHNE_PRIVACY)" in makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    return privacy


@pytest.mark.django_db(transaction=True)
def test_make_runs_daphne_without_an_access_log():
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            *make_run_daphne_args(),
            "cop_site.asgi:application",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cop_site.settings.test",
            # The test database: on PostgreSQL the pass's own database does not exist,
            # and the health check would answer 503 until the deadline.
            "DATABASE_URL": database_url(),
        },
    )
    served = None
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz?marker=safe-space-write",
                    timeout=2,
                ) as response:
                    served = response.status
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(0.5)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert served == 200, output[-2000:]  # a request was served, and not logged
    assert "marker=safe-space-write" not in output
    assert "127.0.0.1:" not in output.replace(f"127.0.0.1:{port}", "")

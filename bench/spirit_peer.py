"""The Spirit forum (django-spirit 0.14.3), served as the forum benchmark's peer.

    python -m bench.spirit_peer --check [--reseed]

Spirit runs from its own virtualenv (``bench/spirit/requirements.txt``), never the
project's: nothing of it is a runtime requirement here. ``seed`` gives it the same
data shape as ``bench.forum`` on PostgreSQL; ``start`` serves it as a Spirit site is
deployed, gunicorn with sync workers and DEBUG off, and ``stop`` ends it. ``--check``
does all of that once and fetches every page the benchmark measures.

Standard library only: this module is imported by the benchmark, in the project's
venv, and only drives the peer's interpreter through subprocesses.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SPIRIT = ROOT / "bench" / "spirit"
REQUIREMENTS = SPIRIT / "requirements.txt"
# Outside the checkout: no path under it that a venv could use is git-ignored, and
# the venv is only a cache of requirements.txt (the stamp below says which).
DEFAULT_VENV = Path("/tmp/cop-bench-spirit-venv")  # noqa: S108
DEFAULT_DATA_DIR = Path("/tmp/cop-bench-spirit")  # noqa: S108
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cop_bench_spirit"
STAMP = "cop-bench-requirements.sha256"
START_TIMEOUT = 60.0
# What the signed-in header shows: the user's nickname and the sign-out link.
SIGNED_IN_MARKERS = (b"bench7", b"/user/logout/")
LOGIN_PATH = "/user/login/"
FETCHES = 5


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_venv(venv: Path = DEFAULT_VENV) -> Path:
    """The peer's virtualenv with the pinned requirements; its python's path.

    Installs only when the requirements changed since the last install (a stamp
    file in the venv holds their hash), so a warm run costs nothing.
    """
    python = venv / "bin" / "python"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = venv / STAMP
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return python
    if not python.exists():
        base = shutil.which("python3") or sys.executable
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    stamp.unlink(missing_ok=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)],
        check=True,
        env=_base_env(),
    )
    stamp.write_text(digest + "\n")
    return python


def _base_env() -> dict[str, str]:
    """This process's environment less what points Python at the project."""
    env = dict(os.environ)
    for name in (
        "DJANGO_SETTINGS_MODULE",
        "PYTHONPATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        "GUNICORN_CMD_ARGS",
    ):
        env.pop(name, None)
    return env


def _env(database_url: str, data_dir: Path) -> dict[str, str]:
    env = _base_env()
    env.update(
        PYTHONPATH=str(SPIRIT),
        DJANGO_SETTINGS_MODULE="settings",
        SPIRIT_DATABASE_URL=database_url,
        SPIRIT_DATA_DIR=str(data_dir),
    )
    return env


def _create_database(database_url: str) -> None:
    """Create the peer's database on its server if it is not there yet."""
    url = urlsplit(database_url)
    name = unquote(url.path.lstrip("/"))
    connect = [
        "-h",
        url.hostname or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        unquote(url.username or "postgres"),
    ]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = unquote(url.password)
    # The name goes in as a psql variable, quoted by psql itself.
    found = subprocess.run(
        ["psql", *connect, "-d", "postgres", "-tA", "-v", f"name={name}"],
        input="SELECT 1 FROM pg_database WHERE datname = :'name';\n",
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    if found.stdout.strip() != "1":
        subprocess.run(["createdb", *connect, name], check=True, env=env)


def seed(
    python: Path,
    database_url: str = DEFAULT_DATABASE_URL,
    data_dir: Path = DEFAULT_DATA_DIR,
    reseed: bool = False,
) -> dict:
    """Create, migrate and seed the peer's database once; return what to measure.

    The result is the JSON ``bench/spirit/seed.py`` prints: ``session`` (a signed-in
    session of bench7), ``session_cookie_name``, ``urls`` (label to path) and
    ``login_required`` (labels Spirit shows anonymous visitors a sign-in redirect
    for, not the page).
    """
    _create_database(database_url)
    data_dir.mkdir(parents=True, exist_ok=True)
    env = _env(database_url, data_dir)
    # DEBUG is off and static files are hashed by the manifest storage: no page
    # renders before collectstatic has written the manifest.
    subprocess.run(
        [str(python), "-m", "django", "collectstatic", "--noinput", "-v0"],
        check=True,
        env=env,
        cwd=SPIRIT,
    )
    command = [str(python), str(SPIRIT / "seed.py")]
    if reseed:
        command.append("--reseed")
    done = subprocess.run(
        command, check=True, env=env, cwd=SPIRIT, stdout=subprocess.PIPE, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def start(
    python: Path,
    database_url: str,
    data_dir: Path,
    port: int,
    workers: int = 2,
) -> subprocess.Popen:
    """gunicorn with ``workers`` sync workers on 127.0.0.1:``port``, once it answers.

    No access log, as a site behind a proxy that logs would run; gunicorn's error
    log and Django's errors go to ``data_dir/gunicorn-error.log``.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "gunicorn-error.log"
    command = [
        str(python),
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(SPIRIT),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
        "wsgi:application",
    ]
    with open(log, "ab") as output:
        # A session of its own, so stop() can reach the workers as well.
        proc = subprocess.Popen(
            command,
            env=_env(database_url, data_dir),
            cwd=SPIRIT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").splitlines()[-20:]
            raise RuntimeError(
                f"gunicorn exited with {proc.returncode}:\n" + "\n".join(tail)
            )
        with contextlib.suppress(OSError, http.client.HTTPException):
            _get(port, "/", timeout=2)
            return proc
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"gunicorn did not answer on port {port} in time")
        time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL to its group if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _get(
    port: int, path: str, cookie: str | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    """One GET, redirects not followed (a redirect is what the benchmark would get)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"User-Agent": "cop-bench"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check(reseed: bool = False) -> int:
    """Install, seed, serve, fetch every URL anonymously and signed in, stop."""
    started = time.monotonic()
    python = ensure_venv(DEFAULT_VENV)
    print(f"venv ready in {time.monotonic() - started:.1f}s: {python}", flush=True)
    started = time.monotonic()
    plan = seed(python, DEFAULT_DATABASE_URL, DEFAULT_DATA_DIR, reseed=reseed)
    print(f"seed ready in {time.monotonic() - started:.1f}s", flush=True)
    port = _free_port()
    started = time.monotonic()
    proc = start(python, DEFAULT_DATABASE_URL, DEFAULT_DATA_DIR, port)
    print(f"gunicorn answering on port {port} in {time.monotonic() - started:.1f}s")
    for label, path in plan["urls"].items():
        print(f"  {label}: {path}")
    signed_in = f"{plan['session_cookie_name']}={plan['session']}"
    failures = []
    try:
        for who, cookie in (("anonymous", None), ("signed in", signed_in)):
            for label, path in plan["urls"].items():
                # Each worker compiles templates and warms caches on first use,
                # and either may take a request: the first time, then the best.
                timings = []
                for _ in range(FETCHES):
                    began = time.perf_counter()
                    status, headers, body = _get(port, path, cookie)
                    timings.append((time.perf_counter() - began) * 1000)
                print(
                    f"{who:<10} {label:<34} {status}  {len(body):>7} bytes  "
                    f"{timings[0]:7.1f} ms first  {min(timings[1:]):7.1f} ms best "
                    f"of the next {FETCHES - 1}",
                    flush=True,
                )
                if cookie is None and label in plan.get("login_required", ()):
                    # Spirit sends anonymous searchers to its sign-in page.
                    if status != 302 or not headers.get("location", "").startswith(
                        LOGIN_PATH
                    ):
                        failures.append(f"{label} ({who}): {status}, not a sign-in")
                    continue
                if status != 200:
                    failures.append(f"{label} ({who}): {status}")
                elif cookie and not all(m in body for m in SIGNED_IN_MARKERS):
                    failures.append(f"{label} ({who}): page does not show bench7")
                elif not cookie and SIGNED_IN_MARKERS[1] in body:
                    failures.append(f"{label} ({who}): page shows a signed-in user")
    finally:
        stop(proc)
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="install, seed, serve and fetch each URL"
    )
    parser.add_argument("--reseed", action="store_true", help="seed again from scratch")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 2
    return check(reseed=args.reseed)


if __name__ == "__main__":
    raise SystemExit(main())

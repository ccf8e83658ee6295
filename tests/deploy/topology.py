"""The scaled set-up of ``deploy/``, started on one machine for a test.

What runs is read from the deployment's own files, so the smoke test tries what an
operator installs, not a copy of it:
- the commands from the ``ExecStart=`` lines of ``deploy/systemd`` (the HTTP workers,
  two websocket workers, the task worker), with this checkout's virtualenv in place of
  ``/srv/learn/app/.venv`` and free local ports in place of 8001, 8101 and 8102;
- the environment from ``deploy/learn.env.example``, with this run's database, Redis,
  folders and a local SMTP sink put in;
- Debian's nginx with ``deploy/nginx/learn.conf`` included, the TLS lines swapped for a
  plain local ``listen`` and ``/srv/learn`` for this run's folders.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT = DEPLOY.parent
VENV_IN_UNITS = "/srv/learn/app/.venv/bin/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exec_start(unit: str) -> list[str]:
    """A unit's ``ExecStart=`` as an argument list, run from this checkout."""
    text = (DEPLOY / "systemd" / unit).read_text()
    (line,) = re.findall(r"^ExecStart=(.+)$", text, flags=re.M)
    bin_dir = str(Path(sys.executable).parent) + "/"
    return shlex.split(line.replace(VENV_IN_UNITS, bin_dir))


def unit_own_environment(unit: str) -> dict[str, str]:
    """A unit's ``Environment=`` lines."""
    text = (DEPLOY / "systemd" / unit).read_text()
    values = {}
    for assignment in re.findall(r"^Environment=(.+)$", text, flags=re.M):
        key, _, value = assignment.partition("=")
        values[key] = value
    return values


def unit_environment() -> dict[str, str]:
    """``deploy/learn.env.example`` as systemd's ``EnvironmentFile=`` reads it."""
    values = {}
    for line in (DEPLOY / "learn.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"deploy/nginx/learn.conf no longer has {old!r}"
    return text.replace(old, new)


def nginx_site(
    port: int, http_port: int, ws_ports: list[int], static: Path, media: Path
):
    """``deploy/nginx/learn.conf`` on a local port without TLS, this run's folders."""
    site = (DEPLOY / "nginx" / "learn.conf").read_text()
    # The port-80 redirect needs root's port and is not what is tried.
    site, redirects = re.subn(r"server \{\n  listen 80;.*?\n\}\n", "", site, flags=re.S)
    assert redirects == 1, "deploy/nginx/learn.conf's port-80 block changed"
    site = re.sub(r"  # \(nginx 1\.25.*\n", "", site)
    site = _replace(
        site,
        "  listen 443 ssl http2;\n  listen [::]:443 ssl http2;\n",
        f"  listen 127.0.0.1:{port};\n",
    )
    site = re.sub(r"  ssl_certificate.*\n", "", site)
    site = _replace(site, "server 127.0.0.1:8001;", f"server 127.0.0.1:{http_port};")
    site = _replace(
        site,
        "  server 127.0.0.1:8101;\n  server 127.0.0.1:8102;\n",
        "".join(f"  server 127.0.0.1:{p};\n" for p in ws_ports),
    )
    site = _replace(site, "/srv/learn/static/", f"{static}/")
    site = _replace(site, "/srv/learn/app/deploy/", f"{DEPLOY}/")
    site = _replace(site, "/srv/learn/maintenance.on", str(maintenance_flag(media)))
    return _replace(site, "/srv/learn/media/", f"{media}/")


def maintenance_flag(media: Path) -> Path:
    """Where this run's nginx looks for the upgrade's maintenance switch."""
    return media.parent / "maintenance.on"


_NGINX = """daemon off;
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  include {dir}/learn.conf;
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise RuntimeError(
            "nginx not found: `make smoke-scaled` and .ci/run install Debian's "
            "nginx-light"
        )
    return found


class Topology:
    """nginx in front of the HTTP workers, two websocket workers and the task worker,
    on this run's PostgreSQL and Redis, with the production settings."""

    def __init__(
        self,
        work: Path,
        *,
        database_url: str,
        redis_url: str,
        smtp_port: int,
        media: Path,
        secret_key: str,
    ):
        self.work = work
        self.work.mkdir(parents=True, exist_ok=True)
        self.static = work / "static"
        self.media = media
        self.metrics = work / "metrics"  # /run/learn-metrics in the units
        self.metrics.mkdir(exist_ok=True)
        self.metrics_token = secrets.token_urlsafe(32)
        self.port = free_port()
        self.http_port = free_port()
        self.ws_ports = [free_port(), free_port()]
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PYTEST_", "COP_"))
        }
        self.env.update(unit_environment())
        self.env.update(
            DJANGO_SECRET_KEY=secret_key,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_CSRF_TRUSTED_ORIGINS="https://127.0.0.1",
            SITE_URL="https://127.0.0.1",
            DATABASE_URL=database_url,
            # Seven processes share CI's PostgreSQL with the other test worker.
            DATABASE_POOL_MAX="4",
            REDIS_URL=redis_url,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_USE_TLS="false",
            MEDIA_ROOT=str(self.media),
            STATIC_ROOT=str(self.static),
            LOG_LEVEL="WARNING",
            METRICS_TOKEN=self.metrics_token,
        )

    # --- starting ---------------------------------------------------------------

    def start(self) -> None:
        try:
            # First, as an operator does: each worker reads the manifest once.
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=self.env,
                check=True,
                timeout=120,
            )
            http = [
                part.replace("127.0.0.1:8001", f"127.0.0.1:{self.http_port}").replace(
                    "/run/learn-http/", f"{self.work}/"
                )
                for part in exec_start("learn-http.service")
            ]
            self._spawn("http", http, "learn-http.service")
            for n, port in enumerate(self.ws_ports):
                ws = [
                    part.replace("%i", str(port))
                    for part in exec_start("learn-ws@.service")
                ]
                self._spawn(f"ws{n + 1}", ws, "learn-ws@.service")
            self._spawn(
                "tasks", exec_start("learn-tasks.service"), "learn-tasks.service"
            )
            for name, port in [("http", self.http_port)] + [
                (f"ws{n + 1}", p) for n, p in enumerate(self.ws_ports)
            ]:
                self._wait_healthy(name, port)
            self._start_nginx()
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, command: list[str], unit: str = "") -> None:
        env = dict(self.env)
        for key, value in (unit_own_environment(unit) if unit else {}).items():
            env[key] = value.replace("/run/learn-metrics", str(self.metrics))
        log = (self.work / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def _wait_healthy(self, name: str, port: int, timeout: float = 90) -> None:
        """Each worker's own /healthz (database and channel layer), as the proxy's
        health check would ask it (over TLS, as far as Django can tell)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                break
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz",
                headers={"X-Forwarded-Proto": "https", "Host": "127.0.0.1"},
            )
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                last = f"{error.code}"
            except OSError as error:
                last = str(error)
            time.sleep(0.3)
        raise RuntimeError(f"{name} did not become healthy ({last}):\n{self.log(name)}")

    def _start_nginx(self) -> None:
        folder = self.work / "nginx"
        folder.mkdir(exist_ok=True)
        (folder / "learn.conf").write_text(
            nginx_site(
                self.port, self.http_port, self.ws_ports, self.static, self.media
            )
        )
        # Started as root, nginx's workers would drop to "nobody" and could not read
        # this run's private folders; an operator's /srv/learn is readable by nginx.
        user = (
            f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        )
        (folder / "nginx.conf").write_text(_NGINX.format(dir=folder, user=user))
        self.processes["nginx"] = subprocess.Popen(
            [nginx_binary(), "-p", str(folder), "-c", str(folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.work / "nginx.log").open("wb"),
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            if self.processes["nginx"].poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"nginx did not start:\n{self.log('nginx')}")

    # --- looking on -------------------------------------------------------------

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)}" for name in self.processes)

    # --- stopping ---------------------------------------------------------------

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def established_to(port: int) -> int:
    """Open TCP connections whose server side is 127.0.0.1:``port`` (from /proc)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "01" and int(local.split(":")[1], 16) == port:
            count += 1
    return count

"""This project's forum against a peer's, side by side in one run on one machine.

    make bench-compare
    python -m bench.compare [--rounds 3] [--duration 10] [--concurrency 8]
                            [--ours daphne,gunicorn] [--skip-spirit]

Absolute figures on shared two-core machines drift by a fifth or more between runs, so
what counts is the ratio against a peer measured in the same minutes: Spirit
(``django-spirit``, a mature Django forum) in its own virtualenv
(``bench/spirit_peer.py``, nothing of it in this project's requirements), under
gunicorn with two sync workers, on the same PostgreSQL, with the same shape of data
(50 users, 10 categories, 2,000 topics, 40,000 comments of ~400 characters of
Markdown, one topic of 1,000 comments).

This project runs as a deployment does: the production settings (``bench.production``:
without the TLS redirect), PostgreSQL with its pool, Redis for cache and channel layer,
and two HTTP workers. Each way of serving HTTP named in ``--ours`` is measured:
- ``daphne``: two daphne workers serve HTTP and websockets;
- ``gunicorn``: two gunicorn sync workers serve HTTP (``cop_site.wsgi``) and one daphne
  worker the websockets.
Every server sits behind the same nginx (static files from disk, keep-alive to the
upstreams, no access log), one ``server`` block each, and the websocket upgrade is
checked through it.

For each page and visitor the servers are measured in turn, the order reversed each
round (A B, B A, A B...), with one load generator at the same concurrency; a row gives
the median of the rounds and the worst, req/s, p50, p99, and the CPU each request cost
its server and PostgreSQL (from ``/proc``). The machine's speed is read before and
after. Results go to ``bench/results/compare-*.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import gzip
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from bench import BENCH_SECRET_KEY
from bench.forum import Result, _free_port, fetch, load
from bench.machine import cpu_seconds, pids_named, speed_ms

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG = "postgres://postgres@127.0.0.1:5432"
OURS_DB = os.environ.get("BENCH_COMPARE_DATABASE_URL", f"{PG}/cop_bench_forum")
SPIRIT_DB = os.environ.get("BENCH_SPIRIT_DATABASE_URL", f"{PG}/cop_bench_spirit")
REDIS = os.environ.get("BENCH_COMPARE_REDIS_URL", "redis://127.0.0.1:6379/14")
WORK = Path(tempfile.gettempdir()) / "cop-bench-compare"
SPIRIT_VENV = Path(tempfile.gettempdir()) / "cop-bench-spirit-venv"
SPIRIT_DATA = Path(tempfile.gettempdir()) / "cop-bench-spirit"
# Short names (``--pages``) for the plans' pages.
PAGES = {"thread": "thread, first page", "deep": "deep page", "search": "search"}


# --- Servers --------------------------------------------------------------------------


class Server:
    """A server under test: what runs it, where the proxy reaches it, its pages."""

    def __init__(
        self, name: str, procs: list, upstream: list[int], plan: dict, static: Path
    ):
        self.name, self.procs, self.upstream, self.plan = name, procs, upstream, plan
        self.static_root = static  # what the proxy serves under /static/
        self.port = 0  # the proxy's port for this server, set by ``Nginx``
        self.ws_port = 0  # websockets' upstream, when it has them

    def pids(self) -> list[int]:
        """The servers' processes and their children (gunicorn's workers)."""
        found = []
        for proc in self.procs:
            found.append(proc.pid)
            found.extend(_children(proc.pid))
        return found

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == pid:
                    found.append(int(entry.name))
                    found.extend(_children(int(entry.name)))
    return found


def _wait_for(port: int, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start on port {port}")
        time.sleep(0.2)


def _our_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.production",
        DJANGO_SECRET_KEY=BENCH_SECRET_KEY,
        DATABASE_URL=OURS_DB,
        REDIS_URL=REDIS,
        STATIC_ROOT=str(WORK / "static"),
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def prepare_ours() -> dict:
    """Seed (once) through ``bench.forum`` and collect the static files."""
    _createdb(OURS_DB)
    env = dict(
        os.environ, BENCH_DATABASE_URL=OURS_DB, DJANGO_SECRET_KEY=BENCH_SECRET_KEY
    )
    out = subprocess.run(
        [sys.executable, "-m", "bench.forum", "--print-plan"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    plan = json.loads(out.strip().splitlines()[-1])
    deep = next(label for label in plan["urls"] if label.startswith("thread of"))
    plan["urls"]["deep page"] = plan["urls"].pop(deep)
    plan["deep_label"] = deep
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=_our_env(),
        check=True,
    )
    return plan


def start_ours(mode: str, plan: dict) -> Server:
    env = _our_env()
    daphne = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "--proxy-headers"]
    daphne += ["--access-log", "/dev/null"]
    procs, upstream = [], []

    def spawn(command: list[str]) -> None:
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        procs.append(subprocess.Popen(command, cwd=ROOT, env=env, **quiet))

    if mode == "daphne":
        for _ in range(2):
            port = _free_port()
            spawn([*daphne, "-p", str(port), "cop_site.asgi:application"])
            upstream.append(port)
        ws_port = 0  # the same workers
    elif mode == "gunicorn":
        port, ws_port = _free_port(), _free_port()
        gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--preload"]
        gunicorn.append("--no-control-socket")  # one per home folder otherwise
        spawn([*gunicorn, "--bind", f"127.0.0.1:{port}", "cop_site.wsgi:application"])
        spawn([*daphne, "-p", str(ws_port), "cop_site.asgi:application"])
        upstream.append(port)
    else:
        raise SystemExit(f"unknown way of serving: {mode}")
    for port in [*upstream, *([ws_port] if ws_port else [])]:
        _wait_for(port, f"this project ({mode})")
    server = Server(f"this project, {mode}", procs, upstream, plan, WORK / "static")
    server.ws_port = ws_port
    return server


def prepare_spirit() -> tuple[Path, dict]:
    from bench import spirit_peer

    python = spirit_peer.ensure_venv(SPIRIT_VENV)
    plan = spirit_peer.seed(python, SPIRIT_DB, SPIRIT_DATA)
    deep = next(label for label in plan["urls"] if label.startswith("thread of"))
    plan["urls"]["deep page"] = plan["urls"].pop(deep)
    plan["deep_label"] = deep
    return python, plan


def start_spirit(python: Path, plan: dict) -> Server:
    from bench import spirit_peer

    port = _free_port()
    proc = spirit_peer.start(python, SPIRIT_DB, SPIRIT_DATA, port, workers=2)
    return Server("Spirit, gunicorn", [proc], [port], plan, SPIRIT_DATA / "static")


def _settle(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum leaves a database in service: one freshly loaded
    has no planner statistics yet and its GIN indexes' pending lists unmerged (each
    full-text search then walks thousands of pending entries). Both forums' databases
    get the same."""
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", url.rsplit("/", 1)[1]]
        + ["-c", "VACUUM ANALYZE"],
        check=True,
    )


def _createdb(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    done = subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", name],
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode and "already exists" not in done.stderr:
        raise SystemExit(done.stderr)


# --- The proxy ------------------------------------------------------------------------


class Nginx:
    """Debian's nginx, one ``server`` block per server under test, as the README's
    production set-up has it (static files from disk, websockets upgraded)."""

    def __init__(self, servers: list[Server]):
        self.dir = WORK / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "logs").mkdir(exist_ok=True)
        blocks = []
        for i, server in enumerate(servers):
            server.port = _free_port()
            ups = " ".join(f"server 127.0.0.1:{p};" for p in server.upstream)
            ws = ""
            if server.ws_port:
                blocks.append(
                    f"upstream ws{i} {{ server 127.0.0.1:{server.ws_port}; }}"
                )
                ws = f"location /ws/ {{ proxy_pass http://ws{i}; {_UPGRADE} }}"
            blocks.append(
                f"""upstream up{i} {{ {ups} keepalive 16; }}
server {{
  listen 127.0.0.1:{server.port};
  location /static/ {{ alias {server.static_root}/; expires 30d; }}
  {ws}
  location / {{ proxy_pass http://up{i}; {_UPGRADE} }}
}}"""
            )
        conf = _NGINX.format(dir=self.dir, blocks="\n".join(blocks))
        (self.dir / "nginx.conf").write_text(conf)
        self.proc = subprocess.Popen(
            [_nginx(), "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for server in servers:
            _wait_for(server.port, "nginx")

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


_UPGRADE = (
    "proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade;"
    " proxy_set_header Connection $connection_upgrade;"
    " proxy_set_header Host $host; proxy_set_header X-Forwarded-For $remote_addr;"
)
_NGINX = """daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/logs/error.log error;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  include /etc/nginx/mime.types;
  sendfile on; keepalive_requests 100000;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
{blocks}
}}
"""


def _nginx() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise SystemExit(
            "nginx not found: `make bench-compare` installs Debian's nginx-light"
        )
    return found


# --- Measuring ------------------------------------------------------------------------


async def _websocket_handshake(port: int, path: str, session: str) -> int:
    """The status nginx gives a member's websocket upgrade to ``path`` (101 when it
    works)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Cookie: sessionid={session}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    writer.close()
    return int(head.split()[1])


async def page_bytes(server: Server, path: str, cookie: str | None) -> int:
    """Compressed bytes of the page and of the stylesheets and scripts it links."""
    name = server.plan.get("session_cookie_name", "sessionid")
    status, headers, body = await fetch(server.port, path, cookie, name)
    if status != 200:
        raise SystemExit(f"{server.name}: {path} answered {status}")
    html = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
    total = (
        len(body)
        if headers.get("content-encoding") == "gzip"
        else len(gzip.compress(body))
    )
    assets = re.findall(
        rb'<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"|<script[^>]+src="([^"]+)"',
        html,
    )
    for groups in assets:
        url = (groups[0] or groups[1]).decode()
        if url.startswith("http") or url.startswith("//"):
            continue
        _s, h, data = await fetch(server.port, url, None, name)
        total += (
            len(data)
            if h.get("content-encoding") == "gzip"
            else len(zlib.compress(data))
        )
    return total


def measure(server: Server, page: str, cookie, duration, concurrency):
    """One load run through the proxy: req/s, p50, p99, errors, and the CPU ms per
    request of the server's processes and of PostgreSQL."""
    path = server.plan["urls"][page]
    name = server.plan.get("session_cookie_name", "sessionid")
    groups = {"server": server.pids(), "postgres": pids_named("postgres")}
    # Warm up outside the measured window (the same second for every server).
    asyncio.run(load([server.port], path, cookie, 0.01, concurrency, name))
    before = {g: {p: cpu_seconds(p) for p in pids} for g, pids in groups.items()}
    result, elapsed = asyncio.run(
        load([server.port], path, cookie, duration, concurrency, name)
    )
    # Per process, and only what it used: a PostgreSQL backend that exits meanwhile
    # reads as 0 afterwards, which must not subtract its earlier CPU.
    used = {
        g: sum(max(0.0, cpu_seconds(p) - was) for p, was in pids.items())
        for g, pids in before.items()
    }
    return _row(result, elapsed, used)


def _row(result: Result, elapsed: float, cpu: dict) -> dict:
    lat = sorted(result.latencies)
    n = len(lat)
    return {
        "rps": n / elapsed if elapsed else 0.0,
        "p50": statistics.median(lat) * 1000 if lat else 0.0,
        "p99": lat[min(n - 1, int(n * 0.99))] * 1000 if lat else 0.0,
        "errors": result.errors,
        "cpu_ms": {g: (v / n * 1000 if n else 0.0) for g, v in cpu.items()},
    }


# --- Report ---------------------------------------------------------------------------


def _median_worst(values: list[float], higher_is_better: bool) -> tuple[float, float]:
    worst = min(values) if higher_is_better else max(values)
    return statistics.median(values), worst


def report(args, servers, rows, sizes, speeds, ws_checks) -> str:
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    peer = next((s for s in servers if s.name.startswith("Spirit")), None)
    lines = [
        f"# This project against Spirit, {stamp}",
        "",
        "Same machine, same PostgreSQL, same nginx, one load generator at "
        f"{args.concurrency} connections; {args.rounds} rounds of {args.duration:.0f} s "
        "per server and row, order reversed each round; medians of the rounds, worst "
        "in brackets. CPU ms: the server's processes + PostgreSQL per request.",
        f"Machine speed (`bench.machine.speed_ms`, lower is faster): {speeds[0]:.0f} ms "
        f"before, {speeds[1]:.0f} ms after, on {os.cpu_count()} cores.",
        "",
        "| page | who | server | req/s | p50 ms | p99 ms | CPU ms/req | × peer req/s "
        "| errors |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (page, who), by_server in rows.items():
        peer_runs = by_server[peer.name] if peer else []
        peer_rps = statistics.median(r["rps"] for r in peer_runs) if peer_runs else None
        for server in servers:
            runs = by_server[server.name]
            if not runs:
                lines.append(
                    f"| {page} | {who} | {server.name} | needs sign-in | | | | | |"
                )
                continue
            rps, rps_worst = _median_worst([r["rps"] for r in runs], True)
            p50, _ = _median_worst([r["p50"] for r in runs], False)
            p99, p99_worst = _median_worst([r["p99"] for r in runs], False)
            cpu = statistics.median(sum(r["cpu_ms"].values()) for r in runs)
            ratio = f"{rps / peer_rps:.2f}×" if peer_rps else "–"
            errors = sum(r["errors"] for r in runs)
            label = server.plan.get("deep_label", page) if page == "deep page" else page
            lines.append(
                f"| {label} | {who} | {server.name} | {rps:.0f} ({rps_worst:.0f}) | "
                f"{p50:.0f} | {p99:.0f} ({p99_worst:.0f}) | {cpu:.1f} | {ratio} | "
                f"{errors} |"
            )
    lines += [
        "",
        "Page bytes, compressed, with the CSS and JS each page links (as a visitor;"
        " Spirit's search, for members only, as a member):",
        "",
    ]
    lines += ["| page | " + " | ".join(s.name for s in servers) + " |"]
    lines += ["| --- |" + " ---: |" * len(servers)]
    for page in dict.fromkeys(page for page, _who in rows):
        cells = " | ".join(f"{sizes[(s.name, page)] / 1024:.1f} KB" for s in servers)
        lines.append(f"| {page} | {cells} |")
    if ws_checks:
        lines += ["", "Websocket upgrade through nginx:"]
        lines += [f"- {name}: HTTP {status}" for name, status in ws_checks.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--ours", default="daphne,gunicorn")
    parser.add_argument("--skip-spirit", action="store_true")
    parser.add_argument("--pages", default=",".join(PAGES), help="thread,deep,search")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)

    ours_plan = prepare_ours()
    _settle(OURS_DB)
    if not args.skip_spirit:
        spirit_python, spirit_plan = prepare_spirit()
        _settle(SPIRIT_DB)
    servers: list[Server] = []
    nginx = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for mode in args.ours.split(","):
            servers.append(start_ours(mode, ours_plan))
        if not args.skip_spirit:
            servers.append(start_spirit(spirit_python, spirit_plan))
        nginx = Nginx(servers)
        ws_checks = {}
        thread_ws = _thread_socket_path(ours_plan)
        for server in servers:
            if not server.name.startswith("Spirit"):
                status = asyncio.run(
                    _websocket_handshake(server.port, thread_ws, ours_plan["session"])
                )
                ws_checks[server.name] = status
                if status != 101:
                    raise SystemExit(f"{server.name}: websocket upgrade gave {status}")
        speeds = [speed_ms()]
        rows: dict = {}
        sizes: dict = {}
        for page in (PAGES[name] for name in args.pages.split(",")):
            for who in ("anonymous", "signed in"):
                by_server = {s.name: [] for s in servers}
                for round_ in range(args.rounds):
                    order = servers if round_ % 2 == 0 else servers[::-1]
                    for server in order:
                        if who == "anonymous" and _short(page) in server.plan.get(
                            "login_required", ()
                        ):
                            continue  # Spirit's search is for members only
                        cookie = server.plan["session"] if who == "signed in" else None
                        row = measure(
                            server, page, cookie, args.duration, args.concurrency
                        )
                        by_server[server.name].append(row)
                        print(
                            f"{page:<20} {who:<10} {server.name:<26} "
                            f"{row['rps']:7.1f} req/s p50 {row['p50']:6.1f} ms "
                            f"p99 {row['p99']:6.1f} ms "
                            f"cpu {sum(row['cpu_ms'].values()):5.1f} ms/req "
                            f"errors {row['errors']}",
                            flush=True,
                        )
                rows[(page, who)] = by_server
            for server in servers:
                # As a visitor, or as the member where only members may see it.
                members_only = _short(page) in server.plan.get("login_required", ())
                sizes[(server.name, page)] = asyncio.run(
                    page_bytes(
                        server,
                        server.plan["urls"][page],
                        server.plan["session"] if members_only else None,
                    )
                )
        speeds.append(speed_ms())
    finally:
        if nginx:
            nginx.stop()
        for server in servers:
            server.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"compare-{dt.datetime.now():%Y%m%d-%H%M}.md"
    raw = {f"{page} | {who}": by_server for (page, who), by_server in rows.items()}
    (RESULTS / name.replace(".md", ".json")).write_text(json.dumps(raw, indent=1))
    text = report(args, servers, rows, sizes, speeds, ws_checks)
    (RESULTS / name).write_text(text)
    (RESULTS / "compare-latest.md").write_text(text)
    print(f"\nWritten to bench/results/{name}\n\n{text}")
    return 0


def _short(page: str) -> str:
    return next(name for name, label in PAGES.items() if label == page)


def _thread_socket_path(plan: dict) -> str:
    """The live socket of the measured thread: ``/forums/t/<id>/`` has
    ``/ws/forums/threads/<id>/``."""
    match = re.search(r"/t/([^/]+)/", plan["urls"]["thread, first page"])
    if match is None:
        raise SystemExit("no thread id in " + plan["urls"]["thread, first page"])
    return f"/ws/forums/threads/{match.group(1)}/"


if __name__ == "__main__":
    raise SystemExit(main())

"""Forum benchmark: a large forum behind a real daphne server, under local load.

    python -m bench.forum [--duration 10] [--concurrency 16] [--workers N] [--reseed]

Seeds (once) 2,000 threads and 40,000 posts by 50 users in 10 spaces, one thread of
1,000 posts, into a separate database (``BENCH_DATABASE_URL``, default a SQLite file in
/tmp; point it at PostgreSQL to measure that). Starts ``--workers`` daphne processes,
drives them with a small keep-alive HTTP/1.1 load generator written on asyncio (no
extra dependency), and writes a markdown table to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gzip
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from bench import corpus

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DB = "sqlite:////tmp/cop-bench-forum.sqlite3"
THREADS, POSTS, USERS, SPACES, DEEP_POSTS = 2_000, 40_000, 50, 10, 1_000


def _env(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="cop_site.settings.dev",
        DJANGO_DEBUG="0",
        LOG_LEVEL="ERROR",
        REQUIRE_MFA_FOR_PRIVILEGED="0",
    )
    return env


# --- Seeding (runs inside Django) -----------------------------------------------------


def seed(reseed: bool) -> dict:
    """Create the large forum once; return the ids and the session the run needs."""
    import random

    import django

    django.setup()
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from community import services as community_services
    from community.models import Level, Organisation, Ownership, Profile, Role
    from community.text import render
    from forums.models import Post, Space, Thread, Visibility

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    ready = Space.objects.filter(slug__startswith="bench-").count() == SPACES
    if ready and not reseed:
        print("Bench forum already seeded.", flush=True)
    else:
        started = time.monotonic()
        print("Seeding the bench forum…", flush=True)
        rng = random.Random(2026)
        with transaction.atomic():
            Space.objects.filter(slug__startswith="bench-").delete()
            country = Organisation.objects.filter(slug="bench-country").first()
            if country is None:
                country = community_services.organisation_create(
                    name="Benchland", slug="bench-country", level=Level.COUNTRY
                )
                district = community_services.organisation_create(
                    name="Bench district",
                    slug="bench-district",
                    level=Level.DISTRICT,
                    parent=country,
                )
                community_services.organisation_create(
                    name="Bench facility",
                    slug="bench-facility",
                    level=Level.FACILITY,
                    parent=district,
                    ownership=Ownership.PUBLIC,
                )
            facility = Organisation.objects.get(slug="bench-facility")
            users = []
            for i in range(USERS):
                email = f"bench{i}@bench.example"
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(
                        username=f"bench{i}", email=email, password=None
                    )
                    Profile.objects.create(user=user, display_name=f"Bench member {i}")
                    community_services.membership_create(
                        user=user, organisation=facility, role=Role.PRACTITIONER
                    )
                users.append(user)
            visibilities = [Visibility.PUBLIC] * 6 + [Visibility.MEMBERS] * 2
            visibilities += [Visibility.ORGANISATION] * 2
            spaces = [
                Space.objects.create(
                    name=f"Bench space {i}",
                    slug=f"bench-{i}",
                    visibility=visibilities[i],
                    organisation=facility
                    if visibilities[i] == Visibility.ORGANISATION
                    else None,
                    safe_space=i == 1,
                )
                for i in range(SPACES)
            ]
            bodies, vocabulary = corpus.bodies()
            html = {b: render(b) for b in bodies}
            now = timezone.now()
            threads = []
            for i in range(THREADS):
                space = spaces[0] if i == 0 else spaces[i % SPACES]
                threads.append(
                    Thread(
                        space=space,
                        title=corpus.title(rng, vocabulary)[:190],
                        kind=rng.choice(["discussion", "question", "discussion"]),
                        author=rng.choice(users),
                        anonymous=space.safe_space and rng.random() < 0.5,
                        last_activity_at=now - dt.timedelta(minutes=THREADS - i),
                    )
                )
            Thread.objects.bulk_create(threads, batch_size=500)
            # One deep thread of 1,000 posts; the rest share the remaining posts.
            per_thread = [DEEP_POSTS] + [0] * (THREADS - 1)
            for k in range(POSTS - DEEP_POSTS):
                per_thread[1 + k % (THREADS - 1)] += 1
            posts = []
            for thread, count in zip(threads, per_thread, strict=True):
                for n in range(1, count + 1):
                    body = rng.choice(bodies)
                    anonymous = (
                        thread.anonymous
                        if n == 1
                        else (thread.space.safe_space and rng.random() < 0.3)
                    )
                    posts.append(
                        Post(
                            thread=thread,
                            space_id=thread.space_id,
                            number=n,
                            author=thread.author if n == 1 else rng.choice(users),
                            anonymous=anonymous,
                            body=body,
                            body_html=html[body],
                        )
                    )
                thread.post_count = count
            Post.objects.bulk_create(posts, batch_size=2000)
            last = dict(
                Post.objects.filter(thread__space__slug__startswith="bench-")
                .values_list("thread_id")
                .annotate(m=Max("id"))
            )
            for thread in threads:
                thread.last_post_id = last.get(thread.pk)
            Thread.objects.bulk_update(
                threads, ["post_count", "last_post"], batch_size=500
            )
            for space in spaces:
                space.thread_count = sum(1 for t in threads if t.space_id == space.pk)
                space.post_count = sum(
                    t.post_count for t in threads if t.space_id == space.pk
                )
                space.last_activity_at = now
            Space.objects.bulk_update(
                spaces, ["thread_count", "post_count", "last_activity_at"]
            )
        print(
            f"  rows written in {time.monotonic() - started:.0f}s; indexing…",
            flush=True,
        )
        call_command("update_index", verbosity=0)
        print(f"  seeded in {time.monotonic() - started:.0f}s", flush=True)
    user = User.objects.get(email="bench7@bench.example")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    deep = Thread.objects.filter(space__slug="bench-0").order_by("pk").first()
    typical = Thread.objects.filter(space__slug="bench-2", post_count__gte=20).first()
    from forums.conf import setting

    deep_page = (DEEP_POSTS * 4 // 5) // setting("POSTS_PER_PAGE")
    return {
        "session": session.session_key,
        "urls": {
            "space page": "/forums/s/bench-2/",
            "thread, first page": typical.get_absolute_url(),
            f"thread of 1,000 posts, page {deep_page}": (
                f"{deep.get_absolute_url()}?page={deep_page}"
            ),
            "search": "/search/?q=partograph+oxytocin",
        },
    }


# --- Load generator -------------------------------------------------------------------


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = await reader.read()
    return status, headers, body


def _request(
    path: str, port: int, cookie: str | None, cookie_name: str = "sessionid"
) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Accept-Encoding: gzip",
        "User-Agent: cop-bench",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie_name}={cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _client(
    ports, path, cookie, until, result: Result, index: int, cookie_name="sessionid"
) -> None:
    port = ports[index % len(ports)]
    request = _request(path, port, cookie, cookie_name)
    reader = writer = None
    while time.monotonic() < until:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, headers, _body = await _read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status != 200:
                result.errors += 1
            if headers.get("connection", "").lower() == "close":
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            result.errors += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.05)
    if writer is not None:
        writer.close()


async def load(
    ports, path, cookie, duration, concurrency, cookie_name="sessionid"
) -> tuple[Result, float]:
    warm = Result()
    warm_until = time.monotonic() + 1.0
    await asyncio.gather(
        *(
            _client(ports, path, cookie, warm_until, warm, i, cookie_name)
            for i in range(concurrency)
        )
    )
    result = Result()
    started = time.monotonic()
    until = started + duration
    await asyncio.gather(
        *(
            _client(ports, path, cookie, until, result, i, cookie_name)
            for i in range(concurrency)
        )
    )
    return result, time.monotonic() - started


async def fetch(
    port: int, path: str, cookie: str | None, cookie_name: str = "sessionid"
) -> tuple[int, dict, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_request(path, port, cookie, cookie_name))
    await writer.drain()
    response = await _read_response(reader)
    writer.close()
    return response


async def sequential(port: int, path: str, cookie: str | None, n: int) -> list:
    """Latencies of ``n`` requests one after another on one connection, sorted."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = _request(path, port, cookie)
    latencies = []
    for i in range(n + 3):
        started = time.perf_counter()
        writer.write(request)
        await writer.drain()
        status, _headers, _body = await _read_response(reader)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        if i >= 3:  # the first few warm caches
            latencies.append(time.perf_counter() - started)
    writer.close()
    return sorted(latencies)


async def page_weight(port: int, path: str, cookie: str | None) -> tuple[int, int]:
    """Compressed bytes of the page plus the CSS and JS it links to."""
    _status, headers, body = await fetch(port, path, cookie)
    html = body
    if headers.get("content-encoding") == "gzip":
        html = gzip.decompress(body)
    assets = re.findall(
        rb'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"', html
    )
    total = (
        len(body)
        if headers.get("content-encoding") == "gzip"
        else len(gzip.compress(body))
    )
    for asset in assets:
        _s, h, data = await fetch(port, asset.decode(), None)
        total += (
            len(data)
            if h.get("content-encoding") == "gzip"
            else len(zlib.compress(data))
        )
    return len(html), total


# --- Server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_servers(env: dict, workers: int) -> tuple[list[subprocess.Popen], list[int]]:
    procs, ports = [], []
    for _ in range(workers):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "cop_site.asgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        ports.append(port)
    deadline = time.monotonic() + 30
    for port in ports:
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.5),
            ):
                break
            if time.monotonic() > deadline:
                raise SystemExit("daphne did not start")
            time.sleep(0.2)
    return procs, ports


def stop_servers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument(
        "--print-plan",
        action="store_true",
        help="seed, then print the pages and the member's session as JSON (bench.compare)",
    )
    args = parser.parse_args(argv)

    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    env = _env(db_url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    plan = seed(args.reseed)
    if args.print_plan:
        print(json.dumps(plan))
    if args.seed_only or args.print_plan:
        return 0
    # DEBUG is off: the static manifest must list every current asset.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    procs, ports = start_servers(env, args.workers)
    # `timeout` or Ctrl-C: still stop the servers we started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows, alone = [], []
    try:
        for who, cookie in (("anonymous", None), ("signed in", plan["session"])):
            for label, path in plan["urls"].items():
                status, _h, _b = asyncio.run(fetch(ports[0], path, cookie))
                if status != 200:
                    raise SystemExit(f"{path} answered {status} ({who})")
                raw, weight = asyncio.run(page_weight(ports[0], path, cookie))
                result, elapsed = asyncio.run(
                    load(ports, path, cookie, args.duration, args.concurrency)
                )
                lat = sorted(result.latencies)
                rps = len(lat) / elapsed if elapsed else 0
                p50 = statistics.median(lat) if lat else 0
                p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0
                rows.append((label, who, rps, p50, p99, result.errors, raw, weight))
                print(
                    f"{label:<34} {who:<10} {rps:7.1f} req/s  p50 {_ms(p50)} ms  "
                    f"p99 {_ms(p99)} ms  errors {result.errors}  "
                    f"{weight / 1024:.1f} KB gz",
                    flush=True,
                )
        # Search latency on its own: one request at a time (the rows above queue 16).
        for who, cookie in (("anonymous", None), ("signed in", plan["session"])):
            lat = asyncio.run(sequential(ports[0], plan["urls"]["search"], cookie, 40))
            alone.append((who, statistics.median(lat), lat[int(len(lat) * 0.9)]))
    finally:
        stop_servers(procs)

    engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        f"# Forum benchmark, {stamp}",
        "",
        f"{THREADS:,} threads, {POSTS:,} posts, {USERS} users, {SPACES} spaces; "
        f"{engine}; {args.workers} daphne worker(s) on {os.cpu_count()} cores; "
        f"{args.concurrency} keep-alive connections for {args.duration:.0f} s per row "
        "(load generator on the same machine).",
        "",
        "| page | who | req/s | p50 ms | p99 ms | errors | HTML KB | KB gzip with CSS+JS |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, who, rps, p50, p99, errors, raw, weight in rows:
        lines.append(
            f"| {label} | {who} | {rps:.0f} | {_ms(p50)} | {_ms(p99)} | {errors} | "
            f"{raw / 1024:.1f} | {weight / 1024:.1f} |"
        )
    lines += [
        "",
        "Search, one request at a time (the whole site search page, all its groups):",
        "",
        "| who | p50 ms | p90 ms |",
        "| --- | ---: | ---: |",
    ]
    for who, p50, p90 in alone:
        lines.append(f"| {who} | {_ms(p50)} | {_ms(p90)} |")
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"forum-{dt.datetime.now():%Y%m%d-%H%M}.md"
    (RESULTS / name).write_text(text)
    (RESULTS / "forum-latest.md").write_text(text)
    print(f"\nWritten to bench/results/{name}\n\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Chat benchmark: one room, many readers across two daphne workers through Redis.

    python -m bench.chat [--clients 500] [--rate 20] [--duration 20] [--idle 2000]

Needs Redis (``BENCH_CHAT_REDIS_URL``, default database 15 of 127.0.0.1:6379, which it
empties first) and PostgreSQL (``BENCH_CHAT_DATABASE_URL``, default database
``cop_bench_chat`` on 127.0.0.1:5432, created when missing). Readers are spread over
``--processes`` load-generator processes. Starts two workers,
connects ``--clients`` readers split across them, sends ``--rate`` messages a second for
``--duration`` seconds from one writer, and measures fan-out latency (send to receive,
per delivered frame), deliveries per second, and the memory one worker needs per idle
connection (``--idle`` sockets held open on one worker). Writes a markdown table to
``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# PostgreSQL, as in the scaled set-up this measures (created when missing). On SQLite
# every message's commit waits on the file in the sending worker.
DB = os.environ.get(
    "BENCH_CHAT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cop_bench_chat"
)
# Its own Redis database, emptied first: connection counters and presence left by an
# earlier run would otherwise refuse sockets.
REDIS = os.environ.get("BENCH_CHAT_REDIS_URL", "redis://127.0.0.1:6379/15")
SOCKETS_PER_USER = 8


def env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cop_site.settings.test",
        "DATABASE_URL": DB,
        "REDIS_URL": REDIS,
        "LOG_LEVEL": "ERROR",
    }


def prepare(users_needed: int) -> tuple[int, list[str]]:
    """Migrate, create one room and enough members; return the room id and cookies."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env(),
        check=True,
    )
    script = f"""
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from forums import chat
from forums.models import Space
User = get_user_model()
space, _ = Space.objects.get_or_create(slug="bench-chat", defaults={{"name": "Bench chat", "visibility": "members"}})
room = chat.room_for_space(space=space)
cookies = []
for i in range({users_needed}):
    user, _ = User.objects.get_or_create(username=f"bench-{{i}}", defaults={{"email": f"bench{{i}}@example.org"}})
    client = Client()
    client.force_login(user)
    cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
print(json.dumps({{"room": room.pk, "cookies": cookies}}))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["room"], data["cookies"]


def start_worker(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
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
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import urllib.request

    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("worker did not start")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def connect(port: int, room: int, cookie: str):
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/chat/{room}/?after=999999999",
        additional_headers={
            "Cookie": f"sessionid={cookie}",
            "Origin": f"http://127.0.0.1:{port}",
        },
        max_queue=None,
        ping_interval=None,
        open_timeout=60,
    )


BODY = re.compile(r"bench (\d+) t=([a-j]+)")
# The send time is written in letters: a run of digits looks like a phone or record
# number to the content policy, which would hold the message for review.
TO_LETTERS = str.maketrans("0123456789", "abcdefghij")
FROM_LETTERS = str.maketrans("abcdefghij", "0123456789")


async def reader(ws, latencies: list, stop_at: float) -> None:
    """Record send-to-receive time per message frame. The send time travels in the
    body, so readers in other processes need no shared state; frames are matched with
    a regular expression, not parsed, to keep the harness light."""
    try:
        async for raw in ws:
            now = time.perf_counter()  # CLOCK_MONOTONIC: one clock for all processes
            if '"type":"message"' in raw:
                found = BODY.search(raw)
                if found:
                    sent = int(found.group(2).translate(FROM_LETTERS)) / 1e6
                    latencies.append(now - sent)
            if now > stop_at:
                break
    except websockets.ConnectionClosed:
        pass


def reader_process(ports, room, cookies, first, count, ready, go, results) -> None:
    """One load-generator process: ``count`` reader sockets, spread over the workers."""

    async def run():
        sockets = []
        for i in range(first, first + count):
            port = ports[i % len(ports)]
            sockets.append(await connect(port, room, cookies[i // SOCKETS_PER_USER]))
        ready.put(len(sockets))
        stop_at = await asyncio.get_running_loop().run_in_executor(None, go.get)
        latencies: list[float] = []
        await asyncio.gather(*(reader(ws, latencies, stop_at) for ws in sockets))
        for ws in sockets:
            await ws.close()
        return latencies

    results.put(asyncio.run(run()))


async def write(port, room, cookie, rate, duration) -> int:
    writer = await connect(port, room, cookie)
    drain = asyncio.create_task(writer.wait_closed())
    total = int(rate * duration)
    begin = time.perf_counter()
    for n in range(total):
        stamp = str(int(time.perf_counter() * 1e6)).translate(TO_LETTERS)
        body = f"bench {n} t={stamp}"
        frame = {"type": "message.send", "client_id": str(uuid.uuid4()), "body": body}
        await writer.send(json.dumps(frame))
        delay = begin + (n + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await writer.close()
    drain.cancel()
    return total


def fan_out(ports, room, cookies, clients, rate, duration, processes) -> dict:
    """Readers in ``processes`` processes (one Python process cannot parse thousands
    of frames a second and still be a fair client), one writer here."""
    context = multiprocessing.get_context("fork")
    ready, go, results = context.Queue(), context.Queue(), context.Queue()
    share = [clients // processes + (i < clients % processes) for i in range(processes)]
    procs, first = [], 0
    for count in share:
        proc = context.Process(
            target=reader_process,
            args=(ports, room, cookies, first, count, ready, go, results),
        )
        proc.start()
        procs.append(proc)
        first += count
    connected = sum(ready.get(timeout=300) for _ in procs)
    time.sleep(1)
    begin = time.perf_counter()
    stop_at = begin + duration + 3  # let the tail arrive
    for _ in procs:
        go.put(stop_at)
    total = asyncio.run(write(ports[0], room, cookies[-1], rate, duration))
    latencies: list[float] = []
    for _ in procs:
        latencies.extend(results.get(timeout=120))
    for proc in procs:
        proc.join(timeout=30)
    elapsed = time.perf_counter() - begin
    latencies.sort()
    return {
        "connected": connected,
        "messages": total,
        "deliveries": len(latencies),
        "expected": total * connected,
        "per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))]
        if latencies
        else float("nan"),
    }


async def idle_memory(
    worker: subprocess.Popen, port: int, room: int, cookies, count: int
) -> dict:
    await asyncio.sleep(1)
    before = rss_kib(worker.pid)
    sockets = []
    error = ""
    for i in range(count):
        try:
            sockets.append(await connect(port, room, cookies[i // SOCKETS_PER_USER]))
        except Exception as failure:  # report how far it got, and why
            error = f"{type(failure).__name__} after {len(sockets)} sockets"
            break
    await asyncio.sleep(3)
    after = rss_kib(worker.pid)
    for ws in sockets:
        await ws.close()
    return {
        "idle": len(sockets),
        "error": error,
        "before_mib": before / 1024,
        "after_mib": after / 1024,
        "per_conn_kib": (after - before) / max(len(sockets), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument(
        "--processes", type=int, default=4, help="reader processes (load generator)"
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    if DB.startswith("postgres"):
        from bench.library import database

        database(DB)
    users = max(args.clients, args.idle) // SOCKETS_PER_USER + 2
    room, cookies = prepare(users)
    ports = [8301, 8302]
    workers = [start_worker(p) for p in ports]
    try:
        fan = fan_out(
            ports,
            room,
            cookies,
            args.clients,
            args.rate,
            args.duration,
            args.processes,
        )
        # A fresh worker for the idle measurement, so the numbers are its own.
        idle_port = 8303
        idle_worker = start_worker(idle_port)
        workers.append(idle_worker)
        mem = asyncio.run(idle_memory(idle_worker, idle_port, room, cookies, args.idle))
    finally:
        for worker in workers:
            worker.terminate()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    budget_ok = (
        fan["p99_ms"] < 250 and mem["after_mib"] < 300 and mem["idle"] >= args.idle
    )
    table = f"""# Chat benchmark ({stamp} UTC)

{args.clients} readers in one room across 2 daphne workers through Redis, played by
{args.processes} load-generator processes; one writer at {args.rate:g} messages/s for
{args.duration:g} s; {os.cpu_count()} cores, which the load generator shares with the
workers and Redis. Budget: p99 fan-out < 250 ms; one worker holds 2,000 idle
connections in under 300 MB.

| measure | value |
| --- | ---: |
| readers connected | {fan["connected"]} |
| messages sent | {fan["messages"]} |
| frames delivered / expected | {fan["deliveries"]} / {fan["expected"]} |
| deliveries per second | {fan["per_second"]:.0f} |
| fan-out latency p50 | {fan["p50_ms"]:.1f} ms |
| fan-out latency p99 | {fan["p99_ms"]:.1f} ms |
| idle connections on one worker | {mem["idle"]}{f" ({mem['error']})" if mem["error"] else ""} |
| worker memory before / after | {mem["before_mib"]:.0f} / {mem["after_mib"]:.0f} MiB |
| memory per idle connection | {mem["per_conn_kib"]:.1f} KiB |
| within budget | {"yes" if budget_ok else "no"} |
"""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"chat-{stamp}.md").write_text(table)
    (RESULTS / "chat-latest.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()

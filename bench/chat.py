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
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import websockets

from bench import wsreader
from bench.machine import CpuMeter, pids_named, speed_ms

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
# /metrics as a deployment reads it: the workers count into one folder
# (prometheus_client's multiprocess mode) and the bench scrapes with the token.
METRICS_TOKEN = secrets.token_urlsafe(24)
METRICS_DIR = Path(tempfile.gettempdir()) / f"cop-bench-metrics-{os.getpid()}"


# One made-up key for every process of a run: sessions made by ``prepare`` must hold
# in the workers.
SECRET_KEY = secrets.token_urlsafe(50)


def env() -> dict:
    """The production settings (``bench.production``: what a deployment runs, with
    no TLS redirect and no chat rate limit for the one writer)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": DB,
        "REDIS_URL": REDIS,
        "LOG_LEVEL": "ERROR",
        "METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(METRICS_DIR),
    }


def scrape(port: int) -> dict:
    """What an operator's Prometheus would read from one worker's ``/metrics``
    mid-run: sockets open on all workers, messages waiting in the channel layer."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    sockets, waiting = {}, 0.0
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == "cop_websockets_open":
                sockets[found.labels.get("pid", "")] = int(found.value)
            elif found.name == "cop_channel_layer_messages":
                waiting += found.value
    return {"sockets": sorted(sockets.values()), "waiting": int(waiting)}


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


def stop(worker: subprocess.Popen) -> None:
    """daphne waits for open websockets on SIGTERM; a benchmark need not."""
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


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
FROM_LETTERS_BYTES = bytes.maketrans(b"abcdefghij", b"0123456789")


BODY_BYTES = re.compile(rb"bench (\d+) t=([a-j]+)")
MESSAGE = b'"type":"message"'


def latency_recorder(latencies: list):
    """Record send-to-receive time per message frame. The send time travels in the
    body, so readers in other processes need no shared state; frames are matched with
    a regular expression, not parsed, to keep the harness light."""
    clock = time.perf_counter  # CLOCK_MONOTONIC: one clock for all processes

    def on_text(buffer, start: int, end: int) -> None:
        now = clock()
        if buffer.find(MESSAGE, start, end) < 0:
            return
        found = BODY_BYTES.search(buffer, start, end)
        if found:
            sent = int(found.group(2).translate(FROM_LETTERS_BYTES)) / 1e6
            latencies.append(now - sent)

    return on_text


async def lag_probe(lags: list, stop_at: float) -> None:
    """How late this process's event loop wakes up: a load generator that is late
    itself adds its own delay to every latency it measures."""
    while time.perf_counter() < stop_at:
        begin = time.perf_counter()
        await asyncio.sleep(0.05)
        lags.append(time.perf_counter() - begin - 0.05)


def reader_process(ports, room, cookies, first, count, ready, go, results) -> None:
    """One load-generator process: ``count`` reader sockets, spread over the workers."""

    async def run():
        latencies: list[float] = []
        on_text = latency_recorder(latencies)
        sockets = []
        for i in range(first, first + count):
            port = ports[i % len(ports)]
            sockets.append(
                await wsreader.connect(
                    "127.0.0.1",
                    port,
                    f"/ws/chat/{room}/?after=999999999",
                    {
                        "Cookie": f"sessionid={cookies[i // SOCKETS_PER_USER]}",
                        "Origin": f"http://127.0.0.1:{port}",
                    },
                    on_text,
                )
            )
        ready.put(len(sockets))
        stop_at = await asyncio.get_running_loop().run_in_executor(None, go.get)
        latencies.clear()  # the catch-up before the run is not fan-out
        lags: list[float] = []
        await lag_probe(lags, stop_at)
        for reader in sockets:
            reader.close()
        return list(latencies), lags

    results.put(asyncio.run(run()))


async def write(port, room, cookie, rate, duration, stop_at, offset, sent_at, acks):
    """One member sending ``rate`` messages a second from ``offset`` seconds on; each
    message's time to be acknowledged (stored) goes to ``acks``, which separates the
    store path from the fan-out."""
    writer = await connect(port, room, cookie)

    async def read_acks() -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in writer:
                if '"message.ack"' in raw:
                    client_id = json.loads(raw)["client_id"]
                    acks.append(time.perf_counter() - sent_at.pop(client_id))

    reading = asyncio.create_task(read_acks())
    total = int(rate * duration)
    begin = time.perf_counter() + offset
    await asyncio.sleep(offset)
    for n in range(total):
        stamp = str(int(time.perf_counter() * 1e6)).translate(TO_LETTERS)
        body = f"bench {n} t={stamp}"
        client_id = str(uuid.uuid4())
        frame = {"type": "message.send", "client_id": client_id, "body": body}
        sent_at[client_id] = time.perf_counter()
        await writer.send(json.dumps(frame))
        delay = begin + (n + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
    await writer.close()
    reading.cancel()
    return total


async def write_all(ports, room, cookies, rate, duration, stop_at, writers):
    """``writers`` members, alternately on each worker, together at ``rate`` messages
    a second, their sends spread evenly in time (a webinar's chat, not one client
    sending everything: one socket's frames are handled one after the other)."""
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    each = rate / writers
    totals = await asyncio.gather(
        *(
            write(
                ports[i % len(ports)],
                room,
                cookies[-1 - i],
                each,
                duration,
                stop_at,
                i / rate,
                sent_at,
                acks,
            )
            for i in range(writers)
        )
    )
    return sum(totals), sorted(acks)


def fan_out(
    workers, ports, room, cookies, clients, rate, duration, processes, writers
) -> dict:
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
    meter = CpuMeter(
        {
            "workers": [w.pid for w in workers],
            "load generator": [p.pid for p in procs] + [os.getpid()],
            "redis": pids_named("redis-server"),
            "postgres": pids_named("postgres"),
        }
    )
    begin = time.perf_counter()
    stop_at = begin + duration + 3  # let the tail arrive
    for _ in procs:
        go.put(stop_at)
    meter.start()
    seen: dict = {}

    def scrape_mid_run() -> None:
        time.sleep(duration / 2)
        try:
            seen.update(scrape(ports[0]))
        except OSError as error:
            seen["error"] = str(error)

    scraper = threading.Thread(target=scrape_mid_run, daemon=True)
    scraper.start()
    total, acks = asyncio.run(
        write_all(ports, room, cookies, rate, duration, stop_at, writers)
    )
    scraper.join(timeout=15)
    cpu = meter.stop()
    latencies: list[float] = []
    lags: list[float] = []
    for _ in procs:
        got, lag = results.get(timeout=120)
        latencies.extend(got)
        lags.extend(lag)
    for proc in procs:
        proc.join(timeout=30)
    latencies.sort()
    lags.sort()
    return {
        "connected": connected,
        "messages": total,
        "deliveries": len(latencies),
        "expected": total * connected,
        "per_second": len(latencies) / (duration + 3),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "lag_p99_ms": 1000 * percentile(lags, 0.99),
        "acked": len(acks),
        "ack_p50_ms": 1000 * percentile(acks, 0.5),
        "ack_p99_ms": 1000 * percentile(acks, 0.99),
        "cpu": cpu,
        "bottleneck": bottleneck(cpu, percentile(lags, 0.99)),
        "metrics": seen,
    }


def percentile(ordered: list[float], share: float) -> float:
    return ordered[int(share * (len(ordered) - 1))] if ordered else float("nan")


def bottleneck(cpu: dict, lag_p99: float) -> str:
    """Whose limit the run hit. A load-generator process near a full core, or its
    event loop waking late, means the latencies include the harness's own delay; a
    machine with no idle time means server and harness competed for the cores."""
    found = []
    if cpu["load generator"]["busiest"] >= 0.85 or lag_p99 >= 0.05:
        found.append("load generator")
    if cpu["machine_idle"] < 0.15:
        found.append("machine (little idle CPU)")
    if cpu["stolen"] >= 0.05:
        found.append(f"host (stole {100 * cpu['stolen']:.0f}% of the CPU)")
    if cpu["others"] >= 0.25:
        found.append(f"other processes ({cpu['others']:.2f} cores)")
    if cpu["workers"]["busiest"] >= 0.85:
        found.append("server worker")
    return ", ".join(found) or "none"


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


def run_once(args, room, cookies) -> dict:
    """Fresh workers and an empty Redis database for each run, so runs are alike."""
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    shutil.rmtree(METRICS_DIR, ignore_errors=True)
    METRICS_DIR.mkdir(parents=True)
    ports = [8301, 8302]
    workers = [start_worker(p) for p in ports]
    try:
        return fan_out(
            workers,
            ports,
            room,
            cookies,
            args.clients,
            args.rate,
            args.duration,
            args.processes,
            args.writers,
        )
    finally:
        for worker in workers:
            stop(worker)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--writers", type=int, default=10, help="members sending, across the workers"
    )
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument(
        "--processes", type=int, default=2, help="reader processes (load generator)"
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    if DB.startswith("postgres"):
        from bench.library import database

        database(DB)
    # Readers share members (SOCKETS_PER_USER sockets each); writers are members of
    # their own, taken from the end of the list.
    users = max(args.clients, args.idle) // SOCKETS_PER_USER + 2 + args.writers
    METRICS_DIR.mkdir(parents=True, exist_ok=True)  # every process counts into it
    room, cookies = prepare(users)
    speed_before = speed_ms()
    runs = []
    for n in range(args.runs):
        runs.append(run_once(args, room, cookies))
        print(
            f"stored: {runs[-1]['acked']} acknowledged, p50 "
            f"{runs[-1]['ack_p50_ms']:.0f} ms, p99 {runs[-1]['ack_p99_ms']:.0f} ms",
            flush=True,
        )
        print(
            f"run {n + 1}: p50 {runs[-1]['p50_ms']:.1f} ms, p99 "
            f"{runs[-1]['p99_ms']:.1f} ms, {runs[-1]['deliveries']}/"
            f"{runs[-1]['expected']} frames, bottleneck: {runs[-1]['bottleneck']}",
            flush=True,
        )
    speed_after = speed_ms()
    mem = {
        "idle": 0,
        "error": "skipped",
        "before_mib": 0,
        "after_mib": 0,
        "per_conn_kib": 0,
    }
    if args.idle:
        # A fresh worker for the idle measurement, so the numbers are its own.
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        idle_worker = start_worker(8303)
        try:
            mem = asyncio.run(idle_memory(idle_worker, 8303, room, cookies, args.idle))
        finally:
            stop(idle_worker)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    p99s = sorted(r["p99_ms"] for r in runs)
    p50s = sorted(r["p50_ms"] for r in runs)
    complete = sum(r["deliveries"] == r["expected"] for r in runs)
    fan_ok = all(r["p99_ms"] < 250 and r["deliveries"] == r["expected"] for r in runs)
    mem_ok = mem["after_mib"] < 300 and mem["idle"] >= args.idle
    rows = "\n".join(
        f"| {n + 1} | {r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms "
        f"| {r['ack_p50_ms']:.0f} / {r['ack_p99_ms']:.0f} ms "
        f"| {r['deliveries']} / {r['expected']} "
        f"| {r['cpu']['workers']['cores']:.2f} ({r['cpu']['workers']['busiest']:.2f}) "
        f"| {r['cpu']['load generator']['cores']:.2f} "
        f"({r['cpu']['load generator']['busiest']:.2f}) "
        f"| {r['cpu']['redis']['cores']:.2f} | {r['cpu']['postgres']['cores']:.2f} "
        f"| {r['cpu']['others']:.2f} | {100 * r['cpu']['stolen']:.0f}% "
        f"| {100 * r['cpu']['machine_idle']:.0f}% "
        f"| {r['lag_p99_ms']:.0f} ms "
        f"| {r['bottleneck']} |"
        for n, r in enumerate(runs)
    )
    scraped = "\n".join(
        f"  - run {n + 1}: "
        + (
            f"`cop_websockets_open` {' + '.join(map(str, r['metrics']['sockets']))}"
            f" = {sum(r['metrics']['sockets'])} sockets,"
            f" `cop_channel_layer_messages` {r['metrics']['waiting']} waiting"
            if "sockets" in r["metrics"]
            else f"not read ({r['metrics'].get('error', 'no answer')})"
        )
        for n, r in enumerate(runs)
    )
    table = f"""# Chat benchmark ({stamp} UTC)

{args.clients} readers in one room across 2 daphne workers (production settings,
`bench.production`) through Redis, PostgreSQL; {args.processes} load-generator
processes; {args.writers} members writing {args.rate:g} messages/s together for {args.duration:g} s; {args.runs}
runs with fresh workers. {os.cpu_count()} cores, shared by the workers, Redis,
PostgreSQL and the load generator. Machine speed (`bench.machine.speed_ms`, lower is
faster): {speed_before} ms before, {speed_after} ms after.

Budget: fan-out p99 < 250 ms and every frame delivered, in every run; one worker holds
2,000 idle connections in under 300 MB.

| run | p50 | p99 | stored p50 / p99 | frames delivered / expected | workers' cores (busiest) | load generator's cores (busiest) | Redis | PostgreSQL | other processes | stolen by the host | machine idle | generator loop lag p99 | bottleneck |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
{rows}

- p50: median {statistics.median(p50s):.0f} ms, worst {p50s[-1]:.0f} ms; p99: median
  {statistics.median(p99s):.0f} ms, worst {p99s[-1]:.0f} ms; complete runs: {complete} of
  {len(runs)}.
- Idle connections on one worker: {mem["idle"]}{f" ({mem['error']})" if mem["error"] else ""};
  worker memory {mem["before_mib"]:.0f} MiB before, {mem["after_mib"]:.0f} MiB after
  ({mem["per_conn_kib"]:.1f} KiB per connection).
- Within budget: fan-out {"yes" if fan_ok else "no"}; memory {"yes" if mem_ok else "no"}.
- What `/metrics` showed half-way through each run (read from one worker with the
  token, the workers counting into one folder as deployed):
{scraped}
"""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"chat-{stamp}.md").write_text(table)
    (RESULTS / "chat-latest.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()

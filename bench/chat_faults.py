"""Chat under dying workers: repeated SIGKILLs while members write and read.

    python -m bench.chat_faults [--kills 30] [--interval 4] [--writers 4] [--readers 6]

Two daphne workers share a room through Redis and PostgreSQL. Writers send within the
rate limit; readers only read. Every ``--interval`` seconds one worker (in turn) is
killed with SIGKILL and started again at once on the same port. Clients follow
`docs/realtime.md` exactly: resend unacknowledged ``client_id``s after a reconnect,
reconnect with ``?after=<highest sequence seen>``, and keep reconnecting with backoff.

At the end it checks the room's promises and prints the figures:
- every acknowledged message is stored, once;
- every reader saw every stored message once, in order;
- no member was refused a socket (4429) for longer than ``--lockout`` seconds after a
  kill.

The test suite runs the same scenario shorter (``tests/forums/test_chat_faults.py``,
in CI's Redis pass); ``make bench-chat-faults`` runs it at full length.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Worker:
    port: int
    env: dict
    process: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "cop_site.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=2
                ):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"worker on {self.port} did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Stats:
    kills: list[float] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)  # times a 4429 was met
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> sequence
    seen: dict[str, list[int]] = field(default_factory=dict)  # reader -> sequences
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)


class Client:
    """A member's page, as `docs/realtime.md` asks a client to behave."""

    def __init__(self, name, ports, room, cookie, stats: Stats, *, writer: bool):
        self.name, self.ports, self.room, self.cookie = name, ports, room, cookie
        self.stats, self.writer = stats, writer
        self.highest = 0
        self.pending: dict[str, str] = {}
        self.sent = 0
        self.stop = False
        self.seen: list[int] = stats.seen.setdefault(name, []) if not writer else []

    async def run(self, write_every: float) -> None:
        attempt = 0
        while not self.stop:
            port = self.ports[attempt % len(self.ports)]
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/chat/{self.room}/?after={self.highest}",
                    additional_headers={
                        "Cookie": f"sessionid={self.cookie}",
                        "Origin": f"http://127.0.0.1:{port}",
                    },
                    open_timeout=5,
                    ping_interval=None,
                    max_queue=None,
                ) as ws:
                    attempt = 0
                    for client_id, body in list(self.pending.items()):
                        await self._send(ws, client_id, body)
                    tasks = [asyncio.create_task(self._read(ws))]
                    if self.writer:
                        tasks.append(asyncio.create_task(self._write(ws, write_every)))
                    done, rest = await asyncio.wait(
                        tasks, return_when=asyncio.FIRST_COMPLETED
                    )
                    for task in rest:
                        task.cancel()
                    for task in done:
                        with contextlib.suppress(Exception):
                            task.result()
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass  # the worker died or refused: reconnect below
            if self.stop:
                break
            self.stats.reconnects += 1
            attempt += 1
            # Backoff with jitter, as the page's script does.
            await asyncio.sleep(
                min(2.0, 0.1 * 2 ** min(attempt, 4)) * random.uniform(0.5, 1.0)
            )  # noqa: S311

    async def _send(self, ws, client_id: str, body: str) -> None:
        await ws.send(
            json.dumps({"type": "message.send", "client_id": client_id, "body": body})
        )

    async def _write(self, ws, every: float) -> None:
        while not self.stop:
            await asyncio.sleep(every)
            if self.stop:
                return
            client_id = str(uuid.uuid4())
            self.sent += 1
            body = f"{self.name} says hello number {self.sent}"
            self.pending[client_id] = body
            await self._send(ws, client_id, body)

    async def _read(self, ws) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "message":
                seq = frame["id"]
                if not self.writer:
                    self.seen.append(seq)
                self.highest = max(self.highest, seq)
            elif kind == "message.ack":
                client_id = frame.get("client_id")
                if client_id in self.pending and not frame.get("held"):
                    self.pending.pop(client_id)
                    self.stats.acked[client_id] = frame["id"]
            elif kind == "error":
                code = frame.get("code")
                if code == "too_many_connections":
                    self.stats.refused.append(time.monotonic())
                elif code == "rate_limited" and frame.get("client_id"):
                    wait = float(frame.get("retry_after") or 1)
                    client_id = frame["client_id"]
                    asyncio.get_running_loop().call_later(
                        wait,
                        lambda cid=client_id: (
                            asyncio.ensure_future(
                                self._send(ws, cid, self.pending[cid])
                            )
                            if cid in self.pending
                            else None
                        ),
                    )
                elif code not in ("rate_limited",):
                    self.stats.errors.append(f"{self.name}: {code}")


async def scenario(
    *,
    workers: list[Worker],
    room: int,
    cookies: list[str],
    writers: int,
    readers: int,
    kills: int,
    interval: float,
    write_every: float,
    settle: float = 20.0,
) -> Stats:
    stats = Stats()
    ports = [w.port for w in workers]
    clients = [
        Client(
            f"w{i}",
            ports[i % 2 :] + ports[: i % 2],
            room,
            cookies[i],
            stats,
            writer=True,
        )
        for i in range(writers)
    ] + [
        Client(
            f"r{i}",
            ports[i % 2 :] + ports[: i % 2],
            room,
            cookies[writers + i],
            stats,
            writer=False,
        )
        for i in range(readers)
    ]
    runs = [asyncio.create_task(c.run(write_every)) for c in clients]
    loop = asyncio.get_running_loop()
    next_kill = time.monotonic() + interval
    for n in range(kills):
        # A kill every ``interval`` seconds, counting the restart (30 kills at 4 s
        # are 2 minutes): the workers are killed in turn, each restarted at once.
        await asyncio.sleep(max(0.0, next_kill - time.monotonic()))
        next_kill = time.monotonic() + interval
        worker = workers[n % len(workers)]
        worker.kill()
        stats.kills.append(time.monotonic())
        # Restart at once, as systemd would; clients meanwhile use the other worker.
        await loop.run_in_executor(None, worker.start)
    for client in clients:
        if client.writer:
            client.stop = True
    # Let every reader catch up, then stop.
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        if all(not c.pending for c in clients if c.writer) and _readers_done(
            stats, clients
        ):
            break
    for client in clients:
        client.stop = True
    await asyncio.sleep(0.2)
    for run in runs:
        run.cancel()
    await asyncio.gather(*runs, return_exceptions=True)
    for client in clients:
        if client.writer and client.pending:
            stats.errors.append(
                f"{client.name}: {len(client.pending)} never acknowledged"
            )
    return stats


def _readers_done(stats: Stats, clients) -> bool:
    if not stats.acked:
        return False
    top = max(stats.acked.values())
    return all(c.highest >= top for c in clients if not c.writer)


def check(stats: Stats, stored: list[tuple[str, int]], *, lockout: float) -> dict:
    """The promises, as numbers (every list should come back empty)."""
    stored_ids = [client_id for client_id, _ in stored]
    seqs = sorted(seq for _, seq in stored)
    lost = [cid for cid in stats.acked if cid not in set(stored_ids)]
    twice = len(stored_ids) - len(set(stored_ids))
    incomplete, disordered, duplicated = {}, {}, {}
    for reader, seen in stats.seen.items():
        if seen != sorted(seen):
            disordered[reader] = sum(
                1 for a, b in zip(seen, seen[1:], strict=False) if b < a
            )
        if len(seen) != len(set(seen)):
            duplicated[reader] = len(seen) - len(set(seen))
        missing = sorted(set(seqs) - set(seen))
        if missing:
            incomplete[reader] = missing[:20]
    # How long after a kill could a member still be refused a socket?
    worst_lockout = 0.0
    for refused_at in stats.refused:
        before = [k for k in stats.kills if k <= refused_at]
        if before:
            worst_lockout = max(worst_lockout, refused_at - before[-1])
    gaps = [b - a for a, b in zip(seqs, seqs[1:], strict=False) if b - a != 1]
    return {
        "kills": len(stats.kills),
        "stored": len(stored),
        "acknowledged": len(stats.acked),
        "lost": lost,
        "stored_twice": twice,
        "readers_incomplete": incomplete,
        "readers_out_of_order": disordered,
        "readers_duplicates": duplicated,
        "sequence_gaps": gaps,
        "refusals": len(stats.refused),
        "worst_refusal_after_kill_s": round(worst_lockout, 1),
        "lockout_ok": worst_lockout <= lockout,
        "reconnects": stats.reconnects,
        "errors": stats.errors[:20],
    }


def failures(figures: dict) -> list[str]:
    problems = []
    for key in (
        "lost",
        "readers_incomplete",
        "readers_out_of_order",
        "readers_duplicates",
        "sequence_gaps",
        "errors",
    ):
        if figures[key]:
            problems.append(f"{key}: {figures[key]}")
    if figures["stored_twice"]:
        problems.append(f"stored twice: {figures['stored_twice']}")
    if not figures["lockout_ok"]:
        problems.append(
            f"a member was refused {figures['worst_refusal_after_kill_s']} s after a kill"
        )
    return problems


# --- standalone run (make bench-chat-faults) --------------------------------------------

DB = os.environ.get(
    "BENCH_CHAT_FAULTS_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/cop_bench_chat_faults",
)
REDIS = os.environ.get("BENCH_CHAT_FAULTS_REDIS_URL", "redis://127.0.0.1:6379/14")


# One made-up key for every process of a run: the sessions made by _prepare must hold
# in the workers.
_SECRET_KEY = secrets.token_urlsafe(50)


def _env() -> dict:
    """The production settings (``bench.production``), as a deployment runs them:
    the watch's two-second tick, so leases expire after eight seconds."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.production",
        "DJANGO_SECRET_KEY": _SECRET_KEY,
        "DATABASE_URL": DB,
        "REDIS_URL": REDIS,
        "LOG_LEVEL": "ERROR",
    }


def _prepare(members: int) -> tuple[int, list[str]]:
    from bench.library import database

    database(DB)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=_env(),
        check=True,
    )
    script = f"""
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from forums import chat
from forums.models import ChatMessage, Space
User = get_user_model()
space, _ = Space.objects.get_or_create(slug="bench-faults", defaults={{"name": "Faults", "visibility": "members"}})
room = chat.room_for_space(space=space)
ChatMessage.objects.filter(room=room).delete()
cookies = []
for i in range({members}):
    user, _ = User.objects.get_or_create(username=f"fault-{{i}}", defaults={{"email": f"fault{{i}}@example.org"}})
    client = Client()
    client.force_login(user)
    cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
print(json.dumps({{"room": room.pk, "cookies": cookies}}))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["room"], data["cookies"]


def _stored(room: int) -> list[tuple[str, int]]:
    script = f"""
import json
from forums.models import ChatMessage
rows = ChatMessage.objects.filter(room_id={room}).order_by("seq").values_list("client_id", "seq")
print(json.dumps([[str(c), s] for c, s in rows]))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    return [tuple(row) for row in json.loads(out.stdout.strip().splitlines()[-1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--interval", type=float, default=4.0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--write-every", type=float, default=2.5)
    parser.add_argument("--lockout", type=float, default=10.0)
    args = parser.parse_args()
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    room, cookies = _prepare(args.writers + args.readers)
    from tests.servers import free_port

    workers = [Worker(free_port(), _env()) for _ in range(2)]
    for worker in workers:
        worker.start()
    started = time.monotonic()
    try:
        stats = asyncio.run(
            scenario(
                workers=workers,
                room=room,
                cookies=cookies,
                writers=args.writers,
                readers=args.readers,
                kills=args.kills,
                interval=args.interval,
                write_every=args.write_every,
            )
        )
    finally:
        for worker in workers:
            worker.stop()
    figures = check(stats, _stored(room), lockout=args.lockout)
    figures["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(figures, indent=2))
    problems = failures(figures)
    if problems:
        print("FAILED:", *problems, sep="\n  ")
        sys.exit(1)
    print("All promises kept.")


if __name__ == "__main__":
    main()

"""The one broadcast helper: send an event to a group after the transaction commits.

What a client sees therefore always exists in the database. Group names are built from
primary keys only. The payload is serialised once here, not once per recipient, and
consumers relay the text as it is (the fan-out cost on Redis is per frame).
"""

import asyncio
import functools
import json
import logging
import os
import re
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

_GROUP_KIND = re.compile(r"^[a-z][a-z_]{0,40}$")
EVENT_TYPE = "realtime.event"
logger = logging.getLogger(__name__)


def group_name(kind: str, pk: int) -> str:
    """`thread.12`, `room.7`: a kind the code chose and an integer key, nothing else."""
    if not _GROUP_KIND.match(kind):
        raise ValueError(f"bad group kind {kind!r}")
    return f"{kind}.{int(pk)}"


def encode(event: dict[str, Any]) -> str:
    if "type" not in event:
        raise ValueError("a realtime event needs a 'type'")
    return json.dumps(event, cls=DjangoJSONEncoder, separators=(",", ":"))


def send_now(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": EVENT_TYPE, "text": encode(event)})


def broadcast_on_commit(
    group: str, event: dict[str, Any], *, seq: int | None = None
) -> None:
    """Queue ``event`` for ``group``; it is sent only if the current transaction commits.

    ``seq``, for streams whose frames are numbered (chat), travels beside the text so
    each receiver can order and de-duplicate frames without parsing them.
    """
    text = encode(event)  # fail early, inside the caller's transaction
    message = {"type": EVENT_TYPE, "text": text}
    if seq is not None:
        message["seq"] = seq

    def _send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        loop = _worker_loop()
        if loop is not None:
            # In an ASGI worker's database thread: hand the send to the worker's
            # event loop and go on. Waiting for it (a Redis round trip behind whatever
            # the loop is doing) held up the one thread every store waits for. A send
            # lost with its worker is a gap readers fill from the database.
            loop.call_soon_threadsafe(_spawn, layer.group_send(group, message))
        else:
            async_to_sync(layer.group_send)(group, message)

    transaction.on_commit(_send)


def _worker_loop():
    """The running event loop this sync thread serves (asgiref's SyncToAsync), if any."""
    state = SyncToAsync.threadlocal
    if getattr(state, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(state, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


_sending: set[asyncio.Task] = set()


def _spawn(send) -> None:
    task = asyncio.ensure_future(send)
    _sending.add(task)  # a reference until done: tasks are otherwise weakly held
    task.add_done_callback(_sent)


def _sent(task: asyncio.Task) -> None:
    _sending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("broadcast failed: %s", task.exception())


class Wire:
    """Write one frame, already framed once, straight to a daphne websocket.

    A room's frame goes to every local socket unchanged. Through the consumer's
    ``send`` each copy costs channels' wrappers, daphne's checks, a UTF-8 encode and
    autobahn building the same frame header again: most of a worker's time at 500
    readers. Autobahn's prepared messages exist for this broadcast case: the frame is
    built once per text and written to each socket's transport as it is.

    ``Wire.of(send)`` finds the protocol behind the consumer's ``send`` (channels'
    session wrapper, then daphne's reply callable); anywhere else (another server,
    the test communicator) it returns None and frames go the usual way.
    """

    def __init__(self, protocol) -> None:
        self.protocol = protocol

    @classmethod
    def of(cls, send) -> "Wire | None":
        for _ in range(8):
            if isinstance(send, functools.partial):
                target = send.args[0] if send.args else None
                if hasattr(target, "sendPreparedMessage") and hasattr(
                    target, "STATE_OPEN"
                ):
                    return cls(target)
                return None
            send = getattr(getattr(send, "__self__", None), "real_send", None)
            if send is None:
                return None
        return None

    def write(self, text: str) -> None:
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN:
            return
        if protocol.send_queue:  # autobahn is trickling queued data: keep its order
            protocol.sendPreparedMessage(_prepared(text))
            return
        _write_now(protocol.transport, _prepared(text).payloadHybi)


@functools.lru_cache(maxsize=16)
def _prepared(text: str):
    # Keyed by the text: the fan-out hands every socket the same frame in turn.
    from autobahn.websocket.protocol import PreparedMessage

    return PreparedMessage(text.encode(), False, False, True)


def _write_now(transport, data: bytes) -> None:
    """Send ``data`` on a plain TCP transport at once when nothing waits before it.

    Twisted's ``write`` buffers, registers the socket for writing (a system call),
    and sends on the next turn of the loop, then unregisters it (another): three
    system calls and two loop callbacks per frame per socket. When the transport's
    buffer is empty, one non-blocking ``send`` does the same; what the kernel does not
    take goes to ``write`` as usual, so order and back-pressure are Twisted's. TLS
    transports and anything else go through ``write``.
    """
    from twisted.internet import tcp

    if (
        type(transport) is tcp.Server
        and not transport.TLS
        and transport.connected
        and not transport.disconnecting
        and not transport._writeDisconnected
        and not transport._tempDataBuffer
        and len(transport.dataBuffer) == transport.offset
    ):
        try:
            sent = transport.socket.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            sent = 0  # Twisted's write path notices and reports the lost connection
        if sent == len(data):
            return
        data = data[sent:]
    transport.write(data)


class LocalFanout:
    """One channel-layer subscription per group per process, relayed to local sockets.

    With channels-redis a plain ``group_add`` per socket makes every ``group_send`` cost
    one Redis delivery per socket (~200 µs each, STACK-NOTES): 500 readers at 20
    messages/s would saturate two workers. Here each process joins a group once, with
    its own channel, and copies the already-serialised frame to its sockets in memory:
    Redis carries one delivery per worker, not per reader.
    """

    REFRESH_SECONDS = 3600  # re-join before the layer's group expiry (a day by default)

    def __init__(self) -> None:
        # Per event loop: one in production, a fresh one per async test.
        self._state: dict[int, dict] = {}

    def _loop_state(self) -> dict:
        loop = asyncio.get_running_loop()
        state = self._state.get(id(loop))
        if state is None or state["loop"] is not loop:
            state = {"loop": loop, "members": {}, "tasks": {}, "lock": asyncio.Lock()}
            self._state[id(loop)] = state
        return state

    def size(self, group: str) -> int:
        try:
            return len(self._loop_state()["members"].get(group, ()))
        except RuntimeError:  # no running loop
            return 0

    async def join(self, group: str, send) -> None:
        """``send(text, seq)`` is awaited for every frame sent to ``group`` (``seq`` is
        the frame's sequence number, or None for unnumbered frames)."""
        state = self._loop_state()
        async with state["lock"]:
            state["members"].setdefault(group, set()).add(send)
            if group not in state["tasks"]:
                layer = get_channel_layer()
                # The default prefix on purpose: channels-redis reads every local
                # channel of a process from one Redis list, keyed by that prefix.
                channel = await layer.new_channel()
                await layer.group_add(group, channel)
                state["tasks"][group] = asyncio.create_task(
                    self._pump(state, group, channel)
                )

    async def leave(self, group: str, send) -> None:
        state = self._loop_state()
        async with state["lock"]:
            members = state["members"].get(group)
            if members is None:
                return
            members.discard(send)
            if not members:
                del state["members"][group]
                task = state["tasks"].pop(group, None)
                if task is not None:
                    task.cancel()

    async def _pump(self, state: dict, group: str, channel: str) -> None:
        layer = get_channel_layer()
        refresher = asyncio.create_task(self._refresh(layer, group, channel))
        try:
            while True:
                # Never cancel a pending receive on a timer: channels-redis may drop the
                # message it was reading. Only leave() cancels this task.
                message = await layer.receive(channel)
                if message.get("type") != EVENT_TYPE:
                    continue
                text = message["text"]
                seq = message.get("seq")
                # One after the other, not gathered: a send only queues the frame on
                # its socket, and a task per socket per frame costs more than the send.
                for send in list(state["members"].get(group, ())):
                    try:
                        await send(text, seq)
                    except Exception as failure:  # a socket closing meanwhile
                        logger.debug("fan-out send failed: %s", failure)
        except asyncio.CancelledError:
            pass
        finally:
            refresher.cancel()
            try:
                await layer.group_discard(group, channel)
            except Exception:  # the layer may already be gone at shutdown
                logger.debug("group_discard failed", exc_info=True)

    async def _refresh(self, layer, group: str, channel: str) -> None:
        while True:
            await asyncio.sleep(self.REFRESH_SECONDS)
            await layer.group_add(group, channel)


fanout = LocalFanout()

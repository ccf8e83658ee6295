"""The broadcast helper sends after commit only; the fan-out relays once per process."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from django.db import transaction

from community import realtime


def test_group_names_come_from_keys_only():
    assert realtime.group_name("thread", 12) == "thread.12"
    assert realtime.group_name("room", "7") == "room.7"
    for bad in ("Thread", "a b", "x.y", "", "room;drop"):
        with pytest.raises(ValueError):
            realtime.group_name(bad, 1)
    with pytest.raises(ValueError):
        realtime.group_name("room", "7; drop")


def test_events_need_a_type():
    with pytest.raises(ValueError):
        realtime.encode({"body": "x"})


@pytest.mark.django_db(transaction=True)
def test_broadcast_waits_for_commit_and_skips_rollback(monkeypatch):
    sent = []
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: _Recorder(sent))
    with transaction.atomic():
        realtime.broadcast_on_commit("thread.1", {"type": "post.created", "id": 1})
        assert sent == []
    assert [json.loads(m["text"]) for _g, m in sent] == [
        {"type": "post.created", "id": 1}
    ]

    with pytest.raises(RuntimeError), transaction.atomic():
        realtime.broadcast_on_commit("thread.1", {"type": "post.created", "id": 2})
        raise RuntimeError("rolled back")
    assert len(sent) == 1


class _Recorder:
    def __init__(self, sent):
        self.sent = sent

    async def group_send(self, group, message):
        self.sent.append((group, message))


async def test_fanout_relays_each_frame_once_to_every_local_socket():
    received: dict[str, list[str]] = {"a": [], "b": []}

    async def sender(name):
        async def send(text, seq=None):
            received[name].append(text)

        return send

    send_a, send_b = await sender("a"), await sender("b")
    group = realtime.group_name("room", 990001)
    await realtime.fanout.join(group, send_a)
    await realtime.fanout.join(group, send_b)
    assert realtime.fanout.size(group) == 2
    layer = get_channel_layer()
    await layer.group_send(group, {"type": realtime.EVENT_TYPE, "text": '{"type":"x"}'})
    for _ in range(100):
        if received["a"] and received["b"]:
            break
        await asyncio.sleep(0.01)
    assert received == {"a": ['{"type":"x"}'], "b": ['{"type":"x"}']}

    await realtime.fanout.leave(group, send_a)
    await layer.group_send(group, {"type": realtime.EVENT_TYPE, "text": '{"type":"y"}'})
    for _ in range(100):
        if len(received["b"]) == 2:
            break
        await asyncio.sleep(0.01)
    assert received["a"] == ['{"type":"x"}']
    assert received["b"] == ['{"type":"x"}', '{"type":"y"}']
    await realtime.fanout.leave(group, send_b)
    assert realtime.fanout.size(group) == 0


def test_wire_finds_daphnes_protocol_behind_the_session_wrapper_only():
    """The fast path writes a frame built once; anywhere but daphne it steps aside."""
    import functools

    from autobahn.websocket.protocol import WebSocketProtocol

    class Transport:  # not Twisted's plain TCP transport: written through write()
        def __init__(self):
            self.written = []

        def write(self, data):
            self.written.append(data)

    class Protocol:
        STATE_OPEN = WebSocketProtocol.STATE_OPEN
        state = WebSocketProtocol.STATE_OPEN

        def __init__(self):
            self.send_queue = []
            self.transport = Transport()
            self.prepared = []

        def sendPreparedMessage(self, prepared):  # noqa: N802 - autobahn's name
            self.prepared.append(prepared.payloadHybi)

    async def handle_reply(protocol, message):  # daphne's reply callable
        raise AssertionError("the fast path does not go through daphne")

    class SessionWrapper:  # channels' InstanceSessionWrapper keeps ``real_send``
        def __init__(self, send):
            self.real_send = send

        async def send(self, message):
            return await self.real_send(message)

    protocol = Protocol()
    wire = realtime.Wire.of(
        SessionWrapper(functools.partial(handle_reply, protocol)).send
    )
    assert wire is not None and wire.protocol is protocol
    wire.write('{"type":"message","id":1}')
    wire.write('{"type":"message","id":1}')
    sent = protocol.transport.written
    assert sent[0] == b"\x81\x19" + b'{"type":"message","id":1}'
    assert sent[1] is sent[0]  # framed once, written twice
    protocol.send_queue.append((b"queued", True))  # autobahn trickling: keep its order
    wire.write('{"type":"message","id":1}')
    assert protocol.prepared == [sent[0]] and len(sent) == 2
    protocol.state = WebSocketProtocol.STATE_CLOSING
    wire.write('{"type":"message","id":2}')
    assert len(sent) == 2 and len(protocol.prepared) == 1  # nothing to a closing socket

    async def plain_send(message):
        pass

    assert realtime.Wire.of(plain_send) is None  # the test communicator, uvicorn…
    assert realtime.Wire.of(SessionWrapper(plain_send).send) is None

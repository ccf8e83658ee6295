"""Live thread pages: readers with a thread open receive its new posts.

The consumer only authorises and relays. Frames are built once by the services (on
commit, through ``community.realtime``) and carry the post as every reader sees it,
so they never hold an anonymous author.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections import Counter
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from community import permissions as community_permissions
from community.privacy import people_count
from community.realtime import Wire, fanout, group_name

from . import chat, leases
from .conf import setting
from .models import Thread
from .permissions import can_view_thread
from .permissions import forget as forget_forum_permissions

logger = logging.getLogger(__name__)


def _account_allowed(user) -> bool:
    """The account-level rules every stream applies, at connect and on re-check: an
    active account, and two-factor set up where the member's roles require it (the
    same rule the pages apply through ``RequireMFAMiddleware``)."""
    if user is None or not user.is_authenticated:
        return True
    return user.is_active and not community_permissions.mfa_pending(user)


def _refresh(user) -> None:
    if user is not None and user.is_authenticated:
        user.refresh_from_db(fields=["is_active"])
        community_permissions.forget(user)
        forget_forum_permissions(user)


class ThreadConsumer(AsyncWebsocketConsumer):
    """``/ws/forums/threads/<pk>/``: a thread page's new posts, live.

    Like every stream, it is watched: when the member's memberships, the space or the
    thread change (their access versions move), the socket re-checks that the member
    may still read the thread, and is closed (4403) if not.
    """

    group: str | None = None
    lease_member = lease_visitor = lease_room = None

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        self.thread_id = pk
        thread = await database_sync_to_async(self._load)()
        if thread is None:
            await self.close(code=4403)
            return
        self.access_keys = chat.thread_access_keys(
            getattr(self.user, "pk", None), thread.space_id, pk
        )
        self.access_seen = await database_sync_to_async(self._versions)()
        if not await database_sync_to_async(self._allowed)(thread):
            await self.close(code=4403)
            return
        self.group = group_name("thread", pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        watch.add(self)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        """Out of the watch and the thread's group at once: a socket that lost access
        gets nothing more, even before the client's side has closed."""
        watch.discard(self)
        if self.group is not None:
            group, self.group = self.group, None
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """Read-only: posting goes through the HTTP form (works without JavaScript)."""

    async def realtime_event(self, event: dict) -> None:
        await self.send(text_data=event["text"])

    def _load(self) -> Thread | None:
        return (
            Thread.objects.select_related("space__organisation__parent__parent")
            .filter(pk=self.thread_id)
            .first()
        )

    def _allowed(self, thread: Thread) -> bool:
        return _account_allowed(self.user) and can_view_thread(self.user, thread)

    def _versions(self) -> tuple[int, ...]:
        versions = chat.access_versions(self.access_keys)
        return tuple(versions[key] for key in self.access_keys)

    def _recheck(self) -> bool:
        _refresh(self.user)
        thread = self._load()
        return thread is not None and self._allowed(thread)

    async def upkeep(self, now: float, versions: dict[str, int]) -> None:
        try:
            seen = tuple(versions.get(key, 0) for key in self.access_keys)
            if seen == self.access_seen:
                return
            self.access_seen = seen
            if not await database_sync_to_async(self._recheck)():
                await self._leave()
                await self.close(code=4403)
        except Exception:
            logger.exception("thread upkeep failed; closing the socket")
            await self.close(code=1011)


class ChatConsumer(AsyncWebsocketConsumer):
    """``/ws/chat/<room_id>/``: catch-up, then live; sends go through ``forums.chat``.

    Thin on purpose: it authenticates from the scope, asks the room's owner who may do
    what, calls the chat services and relays frames the services built. Bad frames get
    an error frame; the socket and the room carry on.
    """

    MAX_FRAME_BYTES = 8 * 1024
    IDLE_SECONDS = 120  # the script pings every 25 s
    HISTORY_PER_10_SECONDS = 10

    room = None
    group: str | None = None
    joined = False
    lease_member = lease_visitor = lease_room = None
    wire = None
    # Ordered delivery: the highest sequence number this socket has been sent, frames
    # held back until the gap before them fills, and the room's head when the watch
    # last saw this socket behind it.
    delivered = 0
    catching_up = True
    behind_target: int | None = None

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.access_keys = chat.access_keys(getattr(self.user, "pk", None), room_id)
        # Versions read before the check: a change after it moves them, and the watch
        # re-checks this socket.
        self.access_seen = await database_sync_to_async(self._versions)()
        self.room = await database_sync_to_async(chat.load_room)(room_id)
        if self.room is None or not await self._can_view():
            await self.close(code=4403)
            return
        await self.accept()
        self.wire = Wire.of(self.base_send)
        others = await database_sync_to_async(leases.others)()
        if not self._claim_socket(others):
            await self._error(
                chat.ChatError("too_many_connections", _("Too many open chat windows."))
            )
            await self.close(code=4429)
            return
        self.group = chat.group_for(self.room.pk)
        self.last_frame = time.monotonic()
        self.history_times: list[float] = []
        self.closed_sent = not self.room.is_open()
        self.pending: dict[int, str] = {}
        # Subscribe, then replay, then release what arrived meanwhile without repeats:
        # nothing committed between the two is missed or sent twice.
        await fanout.join(self.group, self._relay)
        self.joined = True
        await self._catch_up(self._query_int("after"))
        # The newcomer learns how many are here; everyone else sees the count move at
        # the watch's next tick, like every other change of presence.
        if chat.owner_of(self.room).presence:
            present = (
                1
                + watch.local_presence(self.room.pk)
                + leases.room_presence(self.room.pk, others)
            )
            await self.send_json({"type": "presence", "count": people_count(present)})
        watch.add(self)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        watch.discard(self)
        if self.joined:
            self.joined = False
            await fanout.leave(self.group, self._relay)

    # --- frames from the client ----------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        self.last_frame = time.monotonic()
        raw = text_data if text_data is not None else bytes_data
        if raw is None or len(raw) > self.MAX_FRAME_BYTES:
            await self._error(chat.ChatError("too_big", _("That frame is too big.")))
            return
        try:
            frame = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._error(
                chat.ChatError("bad_json", _("Frames are JSON objects with a type."))
            )
            return
        kind = frame["type"]
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "message.send":
            await self._send_message(frame)
        elif kind == "history":
            await self._history(frame)
        else:
            await self._error(
                chat.ChatError("unknown_type", _("Unknown frame type.")), ref=kind[:40]
            )

    async def _send_message(self, frame: dict) -> None:
        client_id = frame.get("client_id")
        body = frame.get("body")
        reply_to = frame.get("reply_to")
        if not isinstance(body, str) or not isinstance(client_id, str):
            await self._error(
                chat.ChatError(
                    "bad_request", _("A message needs a body and a client_id.")
                ),
                client_id=client_id if isinstance(client_id, str) else None,
            )
            return
        if reply_to is not None and not isinstance(reply_to, int):
            reply_to = None
        try:
            message, created = await database_sync_to_async(self._store)(
                body, client_id, bool(frame.get("anonymous")), reply_to
            )
        except chat.ChatError as error:
            await self._error(error, client_id=client_id[:64])
            return
        # The message itself reaches this socket like every other one, in order
        # (a retry's was already broadcast; a held one goes out as a placeholder).
        await self.send_json(
            {
                "type": "message.ack",
                "client_id": client_id,
                "id": message.seq,
                "held": message.hidden,
                "created": created,
            }
        )

    def _store(self, body, client_id, anonymous, reply_to):
        return chat.message_send(
            room=self.room,
            author=self.user,
            body=body,
            client_id=client_id,
            anonymous=anonymous,
            reply_to_id=reply_to,
            ip=(self.scope.get("client") or [None])[0],
        )

    async def _history(self, frame: dict) -> None:
        now = time.monotonic()
        self.history_times = [t for t in self.history_times if now - t < 10]
        if len(self.history_times) >= self.HISTORY_PER_10_SECONDS:
            retry = max(1, math.ceil(10 - (now - self.history_times[0])))
            await self._error(
                chat.ChatError(
                    "rate_limited",
                    _("Older messages are coming; wait a moment before asking again."),
                ),
                retry_after=retry,
            )
            return
        self.history_times.append(now)
        before = frame.get("before")
        if not isinstance(before, int) or isinstance(before, bool):
            await self._error(
                chat.ChatError("bad_request", _("history needs before=<id>."))
            )
            return
        items, more = await database_sync_to_async(self._older)(before)
        await self.send_json({"type": "history", "messages": items, "more": more})

    def _older(self, before_id: int):
        items, more = chat.before(self.room, before_id)
        return [chat.message_payload(m) for m in items], more

    # --- to the client ---------------------------------------------------------------------

    async def _relay(self, text: str, seq: int | None = None) -> None:
        if seq is None:  # unnumbered frames: edits, hides, room events
            await self.send(text_data=text)
        else:
            await self._deliver(seq, text)

    async def _deliver(self, seq: int, text: str) -> None:
        """Send numbered frames in order, each once: older ones are dropped, later ones
        wait for the gap before them (filled live, or by the watch from the database)."""
        if seq <= self.delivered or seq in self.pending:
            return
        if self.catching_up or seq != self.delivered + 1:
            self.pending[seq] = text
            return
        await self._write(text)
        self.delivered = seq
        if self.pending:
            await self._release()

    async def _release(self) -> None:
        while self.delivered + 1 in self.pending:
            self.delivered += 1
            await self._write(self.pending.pop(self.delivered))
        for seq in [s for s in self.pending if s <= self.delivered]:
            del self.pending[seq]

    async def _write(self, text: str) -> None:
        """A room frame: framed once for every local socket where the server allows
        (``community.realtime.Wire``), the usual send elsewhere."""
        if self.wire is not None:
            self.wire.write(text)
        else:
            await self.send(text_data=text)

    async def send_json(self, data: dict) -> None:
        await self.send(text_data=json.dumps(data, separators=(",", ":")))

    async def _error(self, error, **extra) -> None:
        await self.send_json(
            error.frame(**{k: v for k, v in extra.items() if v is not None})
        )

    async def _catch_up(self, after: int | None) -> None:
        """Everything after ``after`` (or the latest page without it), in batches, then
        the frames that arrived live meanwhile, then ``caught_up``."""
        self.catching_up = True
        start, items, more = await database_sync_to_async(self._first_batch)(after)
        self.delivered = start
        while True:
            for item in items:
                await self.send_json(item)
                self.delivered = item["id"]
            if not more:
                break
            items, more = await database_sync_to_async(self._batch)(self.delivered)
        self.catching_up = False
        await self._release()
        await self.send_json({"type": "caught_up", "id": self.delivered})
        if self.closed_sent:
            await self.send_json({"type": "room.closed"})

    def _first_batch(self, after: int | None):
        head = chat.head([self.room.pk]).get(self.room.pk, 0)
        if after is None:
            items = chat.latest(self.room)
            start = items[0].seq - 1 if items else head
            return start, [chat.message_payload(m) for m in items], False
        start = min(max(after, 0), head)  # a number from the future starts at the head
        return (start, *self._batch(start))

    def _batch(self, after: int):
        items, more = chat.after(self.room, after)
        return [chat.message_payload(m) for m in items], more

    async def fill(self, frames: dict[int, str]) -> None:
        """Called by the watch with the frames it fetched for a stuck socket: a frame
        stored but never broadcast (its worker died between commit and send) reaches
        the socket at the latest one tick after it is noticed."""
        if self.catching_up:
            return
        for seq in sorted(frames):
            if seq > self.delivered:
                await self._deliver(seq, frames[seq])
        await self._release()

    # --- upkeep ----------------------------------------------------------------------------

    def _versions(self) -> tuple[int, ...]:
        versions = chat.access_versions(self.access_keys)
        return tuple(versions[key] for key in self.access_keys)

    async def upkeep(self, now: float, versions: dict[str, int]) -> None:
        """Called by the worker's watch every few seconds: idle timeout, the room's
        closing time, and a permission re-check when an access version moved."""
        try:
            if now - self.last_frame > self.IDLE_SECONDS:
                await self.close(code=4408)
                return
            if not self.closed_sent and not self.room.is_open():
                self.closed_sent = True
                await self.send_json({"type": "room.closed"})
            seen = tuple(versions.get(key, 0) for key in self.access_keys)
            if seen == self.access_seen:
                return
            self.access_seen = seen
            allowed, is_open = await database_sync_to_async(self._recheck)()
            if not allowed:
                await self._leave()
                await self._error(
                    chat.ChatError(
                        "not_allowed", _("You no longer have access to this room.")
                    )
                )
                await self.close(code=4403)
                return
            if not is_open and not self.closed_sent:
                self.closed_sent = True
                await self.send_json({"type": "room.closed"})
        except Exception:
            logger.exception("chat upkeep failed; closing the socket")
            await self.close(code=1011)

    def _recheck(self) -> tuple[bool, bool]:
        """A sanction does not take reading away (a suspended member still reads; the
        send is what is refused): so no moderation act closes a socket, and presence
        never moves because of one."""
        user = self.user
        _refresh(user)
        if not _account_allowed(user):
            return False, True
        room = chat.load_room(self.room.pk)
        if room is None:
            return False, False
        self.room = room
        return chat.can_view_room(user, room), room.is_open()

    async def _can_view(self) -> bool:
        return await database_sync_to_async(self._may_view)()

    def _may_view(self) -> bool:
        return _account_allowed(self.user) and chat.can_view_room(self.user, self.room)

    def _query_int(self, name: str) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            return int(query.get(name, [""])[0])
        except ValueError:
            return None

    def _claim_socket(self, others: list[dict]) -> bool:
        """At most ``CHAT_SOCKETS_PER_MEMBER`` sockets per member and
        ``CHAT_SOCKETS_PER_VISITOR_ADDRESS`` per visitor address, across workers:
        this worker's live sockets plus the other workers' leases (``forums.leases``),
        so a killed worker's sockets stop counting within seconds."""
        user = self.user
        if user is not None and user.is_authenticated:
            held = watch.member_sockets(user.pk) + leases.member_sockets(
                user.pk, others
            )
            if held >= setting("CHAT_SOCKETS_PER_MEMBER"):
                return False
            self.lease_member = user.pk
        else:
            address = (self.scope.get("client") or ["?"])[0]
            held = watch.visitor_sockets(address) + leases.visitor_sockets(
                address, others
            )
            if held >= setting("CHAT_SOCKETS_PER_VISITOR_ADDRESS"):
                return False
            self.lease_visitor = address
        self.lease_room = self.room.pk
        return True


class Watch:
    """One upkeep loop per worker (per event loop) for all its sockets.

    Every ``FORUMS["CHAT_WATCH_SECONDS"]`` it reads the access versions of its sockets'
    members, rooms, spaces and threads in one cache round trip, then lets each socket
    act: idle timeout, room closing, and a database re-check only where a version moved
    (``forums.chat``, ``forums.signals``). A member who loses access is out within
    seconds, and a worker holding thousands of quiet sockets does no per-socket
    database work.

    The same tick renews the worker's lease (``forums.leases``: its sockets per member,
    per visitor address and per room) and sends each room's presence to its local
    sockets when the count changed: presence moves on this timer only.
    """

    def __init__(self) -> None:
        self._state: dict[int, dict] = {}

    def _loop_state(self) -> dict:
        loop = asyncio.get_running_loop()
        state = self._state.get(id(loop))
        if state is None or state["loop"] is not loop:
            state = {"loop": loop, "sockets": set(), "task": None, "shown": {}}
            self._state[id(loop)] = state
        return state

    def _sockets(self) -> set:
        try:
            return self._loop_state()["sockets"]
        except RuntimeError:  # no running loop
            return set()

    def add(self, consumer) -> None:
        state = self._loop_state()
        state["sockets"].add(consumer)
        if state["task"] is None or state["task"].done():
            state["task"] = asyncio.create_task(self._run(state))

    def discard(self, consumer) -> None:
        self._sockets().discard(consumer)

    def member_sockets(self, user_id: int) -> int:
        return sum(1 for c in self._sockets() if c.lease_member == user_id)

    def visitor_sockets(self, address: str) -> int:
        return sum(1 for c in self._sockets() if c.lease_visitor == address)

    def local_presence(self, room_id: int) -> int:
        return sum(1 for c in self._sockets() if c.lease_room == room_id)

    async def _run(self, state: dict) -> None:
        try:
            while state["sockets"]:
                await asyncio.sleep(float(setting("CHAT_WATCH_SECONDS")))
                sockets = list(state["sockets"])
                await self._renew(state, sockets)
                if not sockets:
                    break
                try:
                    await self._fill_gaps(sockets)
                except Exception:
                    logger.exception("chat watch could not fill gaps")
                keys = {key for consumer in sockets for key in consumer.access_keys}
                try:
                    versions = await database_sync_to_async(chat.access_versions)(keys)
                except Exception:
                    logger.exception("chat watch could not read access versions")
                    continue
                now = time.monotonic()
                await asyncio.gather(
                    *(consumer.upkeep(now, versions) for consumer in sockets),
                    return_exceptions=True,
                )
        finally:
            with contextlib.suppress(Exception):
                await database_sync_to_async(leases.withdraw)()

    async def _renew(self, state: dict, sockets: list) -> None:
        members = Counter(c.lease_member for c in sockets if c.lease_member)
        visitors = Counter(c.lease_visitor for c in sockets if c.lease_visitor)
        rooms = Counter(c.lease_room for c in sockets if c.lease_room)
        try:
            others = await database_sync_to_async(self._publish)(
                members, visitors, rooms
            )
        except Exception:
            logger.exception("chat watch could not renew its lease")
            return
        shown = state["shown"]
        for room_id, local in rooms.items():
            count = people_count(local + leases.room_presence(room_id, others))
            if shown.get(room_id, "unset") == count:
                continue
            shown[room_id] = count
            text = json.dumps({"type": "presence", "count": count})
            for consumer in sockets:
                if (
                    consumer.lease_room == room_id
                    and chat.owner_of(consumer.room).presence
                ):
                    with contextlib.suppress(Exception):
                        await consumer.send(text_data=text)
        for room_id in list(shown):
            if room_id not in rooms:
                del shown[room_id]

    async def _fill_gaps(self, sockets: list) -> None:
        """Compare each room's last sequence number with what its sockets were sent.
        A socket still missing a message that was already committed at the previous
        tick gets the missing frames from the database: the stored messages feed the
        live stream, so none is stored and never delivered."""
        chats = [c for c in sockets if c.lease_room and not c.catching_up]
        if not chats:
            return
        heads = await database_sync_to_async(chat.head)({c.lease_room for c in chats})
        due: dict[int, list] = {}
        for consumer in chats:
            head = heads.get(consumer.lease_room, 0)
            target = consumer.behind_target
            # Behind a message that was committed before the last tick and has still
            # not arrived: stuck, not in flight. Being behind at two ticks is not
            # enough: at 20 messages a second there is always a newer one on its way,
            # and fetching it from the database for every socket would add load
            # exactly when the worker is busiest.
            if target is not None and consumer.delivered < target:
                due.setdefault(consumer.lease_room, []).append(consumer)
            consumer.behind_target = (
                head if consumer.delivered < head or consumer.pending else None
            )
        for room_id, consumers in due.items():
            start = min(c.delivered for c in consumers)
            frames = await database_sync_to_async(self._frames)(
                consumers[0].room, start, heads[room_id]
            )
            for consumer in consumers:
                await consumer.fill(frames)

    @staticmethod
    def _frames(room, after: int, upto: int) -> dict[int, str]:
        return {
            m.seq: json.dumps(chat.message_payload(m), separators=(",", ":"))
            for m in chat.between(room, after, upto)
        }

    @staticmethod
    def _publish(members, visitors, rooms) -> list[dict]:
        leases.publish(members=members, visitors=visitors, rooms=rooms)
        return leases.others()


watch = Watch()

"""Chat pages and the plain-HTTP fallback (form post to send, ``?after=`` to receive)."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from moderation.ratelimit import client_ip

from . import chat, polls
from .models import RoomKind, Space

STATUS = {
    "rate_limited": 429,
    "not_allowed": 403,
    "room_closed": 409,
    "too_long": 400,
    "empty": 400,
    "bad_request": 400,
}


def _room_or_404(request, room_id: int):
    room = chat.load_room(room_id)
    if room is None:
        raise Http404
    if not chat.can_view_room(request.user, room):
        if room.kind == RoomKind.CONVERSATION:
            raise Http404  # a private conversation is not there for anyone else
        if not request.user.is_authenticated:
            raise PermissionDenied(_("Sign in to read this room."))
        raise PermissionDenied(_("You cannot read this room."))
    return room


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def space_chat(request, slug: str):
    """A space's room (created on first visit)."""
    space = get_object_or_404(Space, slug=slug)
    from .permissions import check_view_space

    check_view_space(request.user, space)
    return redirect("forums:chat_room", room_id=chat.room_for_space(space=space).pk)


def panel(request, room, *, typed: dict, reply_to=None, error=None) -> dict:
    """What the chat panel (``forums/_chat_panel.html``) shows of a room for this
    reader: a window of messages (``?after=`` / ``?before=`` / the latest), and the
    box to write in with what they typed. Space, event and conversation pages share it.
    """
    after_id = _int(request.GET.get("after"))
    before_id = _int(request.GET.get("before"))
    more_after = False
    if after_id is not None:
        items, more_after = chat.after(room, after_id, limit=chat.PAGE)
    elif before_id is not None:
        items, _more = chat.before(room, before_id)
    else:
        items = chat.latest(room)
    first_id = items[0].seq if items else None
    return {
        "room": room,
        "items": items,
        "more_before": first_id is not None and chat.has_before(room, first_id),
        "more_after": more_after,
        "first_id": first_id,
        "last_id": items[-1].seq if items else (after_id or 0),
        "can_send": request.user.is_authenticated and chat.can_send(request.user, room),
        "is_open": room.is_open(),
        "client_id": uuid.uuid4(),
        "typed": typed,
        "replying": chat.quotable(room, reply_to) if reply_to else None,
        "error": error,
    }


@require_http_methods(["GET", "POST"])
def room(request, room_id: int):
    room = _room_or_404(request, room_id)
    if room.kind == RoomKind.CONVERSATION:  # its own page, with its people
        query = request.META.get("QUERY_STRING", "")
        page = chat.owner_of(room).page_url(room)
        return redirect(f"{page}?{query}" if query else page)
    error = None
    # In a room that takes anonymous messages, anonymous is where one starts.
    typed = {"body": "", "anonymous": room.anonymous_allowed}
    reply_to = request.POST.get("reply_to") or request.GET.get("reply_to")
    if request.method == "POST":
        if not request.user.is_authenticated:
            raise PermissionDenied(_("Sign in to send messages."))
        typed = {
            "body": request.POST.get("body", ""),
            "anonymous": request.POST.get("anonymous") == "on",
        }
        try:
            chat.message_send(
                room=room,
                author=request.user,
                body=typed["body"],
                client_id=request.POST.get("client_id", ""),
                anonymous=typed["anonymous"],
                reply_to_id=_int(request.POST.get("reply_to")),
                ip=client_ip(request),
            )
        except chat.ChatError as refused:
            error = refused
        else:
            flash.success(request, _("Sent."))
            return redirect(
                reverse("forums:chat_room", args=[room.pk]) + "#chat-end",
                permanent=False,
            )
    context = {
        **polls.context(request.user, room=room),
        **panel(request, room, typed=typed, reply_to=reply_to, error=error),
        "presence": chat.presence_for_page(room),
        "can_moderate": chat.can_moderate_room(request.user, room),
    }
    status = STATUS.get(error.code, 400) if error else 200
    return render(request, "forums/chat_room.html", context, status=status)


@require_GET
def messages_after(request, room_id: int):
    """Polling fallback: ``GET …/messages?after=<id>`` → JSON."""
    room = _room_or_404(request, room_id)
    after_id = _int(request.GET.get("after")) or 0
    items, more = chat.after(room, after_id)
    return JsonResponse(
        {
            "messages": [chat.message_payload(m) for m in items],
            "more": more,
            "open": room.is_open(),
            "presence": chat.presence_for_page(room),
        }
    )


@require_http_methods(["POST"])
def send_json(request, room_id: int):
    """Sending fallback: JSON (or form) with the websocket frame's fields."""
    room = _room_or_404(request, room_id)
    if not request.user.is_authenticated:
        return JsonResponse(
            chat.ChatError("not_allowed", _("Sign in to send messages.")).frame(),
            status=403,
        )
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return JsonResponse(
                chat.ChatError("bad_json", _("Send a JSON object.")).frame(), status=400
            )
    else:
        data = request.POST.dict()
        data["anonymous"] = data.get("anonymous") in ("on", "true", True)
    try:
        message, created = chat.message_send(
            room=room,
            author=request.user,
            body=data.get("body") if isinstance(data.get("body"), str) else "",
            client_id=str(data.get("client_id", "")),
            anonymous=bool(data.get("anonymous")),
            reply_to_id=_int(data.get("reply_to")),
            ip=client_ip(request),
        )
    except chat.ChatError as refused:
        return JsonResponse(
            refused.frame(client_id=str(data.get("client_id", ""))[:64]),
            status=STATUS.get(refused.code, 400),
        )
    return JsonResponse(
        {**chat.message_payload(message), "ack": True, "held": message.hidden},
        status=201 if created else 200,
    )

"""The compose boxes' mention suggestions: typing "@Am" offers the members who can
read where one is writing.

Only a signed-in member who can read the space (or room) may ask, at most
``MENTION_LOOKUP_RATE`` times, and gets at most ``MENTION_SUGGESTIONS`` names, each
with what to insert and their page. Never an email, never anything the member did
not choose to show, never an anonymous alias (aliases are not members), and the order
is alphabetical only (recent activity could point at who posts anonymously).
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from community import mentions
from moderation import ratelimit

from . import chat, permissions
from .conf import setting
from .models import Space

_LOOKED_AT = 4  # candidates checked per name offered, in rooms without a space


def _answer(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _signed_out(request) -> JsonResponse | None:
    if request.user.is_authenticated and request.user.is_active:
        return None
    return _answer({"error": _("Sign in to mention members.")}, 403)


def _suggestions(request, *, can_read, users=None) -> JsonResponse:
    user = request.user
    if not can_read(user):
        return _answer({"error": _("Not found.")}, 404)
    try:
        ratelimit.hit("mention_lookup", user=user, spec=setting("MENTION_LOOKUP_RATE"))
    except ratelimit.RateLimited as limited:
        response = _answer({"error": limited.message}, 429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    query = request.GET.get("q", "")[: mentions.MAX_NAME]
    limit = setting("MENTION_SUGGESTIONS")
    looked_at = limit * (1 if users is not None else _LOOKED_AT)
    profiles = [
        p
        for p in mentions.suggest(query, users=users, limit=looked_at + 1)
        if p.user_id != user.pk
    ]
    # ``users`` holds readers only; checked again all the same, for the few offered.
    offered = [p for p in profiles[:looked_at] if can_read(p.user)][:limit]
    shared = mentions.shared_names({p.mention_key for p in offered})
    results = []
    for profile in offered:
        url = mentions.profile_url(profile.user_id)
        results.append(
            {
                "name": profile.display_name,
                # Two members with one name: the link says which one.
                "insert": request.build_absolute_uri(url)
                if profile.mention_key in shared
                else f"@{profile.display_name}",
                "url": url,
            }
        )
    return _answer({"results": results})


@require_GET
def space_suggestions(request, slug: str):
    if (refused := _signed_out(request)) is not None:
        return refused
    space = Space.objects.select_related("organisation__parent__parent")
    space = space.filter(slug=slug).first()
    if space is None:
        return _answer({"error": _("Not found.")}, 404)
    return _suggestions(
        request,
        can_read=lambda u: permissions.can_view_space(u, space),
        users=permissions.members_who_belong(space),
    )


@require_GET
def room_suggestions(request, room_id: int):
    if (refused := _signed_out(request)) is not None:
        return refused
    room = chat.load_room(room_id)
    if room is None:
        return _answer({"error": _("Not found.")}, 404)
    if not chat.can_view_room(request.user, room):
        return _answer({"error": _("Not found.")}, 404)
    if not chat.owner_of(room).mentions:
        return _answer({"results": []})
    if room.space_id is not None:
        return _suggestions(
            request,
            can_read=lambda u: chat.can_view_room(u, room),
            users=permissions.members_who_belong(room.space),
        )
    # An event's room: its owner answers for each of a few candidates.
    return _suggestions(request, can_read=lambda u: chat.can_view_room(u, room))

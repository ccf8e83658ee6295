"""Pages of private conversations: the inbox, one conversation, starting one (from a
profile, a post or another app's page), the relay to an anonymous author, blocks.

A conversation that is not the reader's answers 404, whoever they are: no role sees
that it exists.
"""

from __future__ import annotations

import uuid

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.mentions import MemberId, member_ref, profile_url
from moderation.ratelimit import client_ip

from .. import chat
from ..chat_views import STATUS, _int, panel
from ..conf import setting
from ..models import ChatMessage, Post, alias_label
from ..permissions import can_view_post
from . import permissions, services
from .forms import AddPeopleForm, MessageForm, StartForm
from .models import Block, Conversation, Participant
from .services import member_name


def _conversation_or_404(request, pk: int) -> Conversation:
    conversation = (
        Conversation.objects.select_related("room", "relay_post__thread")
        .prefetch_related("participants__user__profile")
        .filter(pk=pk)
        .first()
    )
    if conversation is None:
        raise Http404
    conversation._participant_rows = list(conversation.participants.all())
    if not permissions.can_view(request.user, conversation):
        raise Http404
    return conversation


def people(conversation: Conversation, viewer) -> list[dict]:
    """Who else is in it, as this reader may see them. A relay's asker sees only the
    post's alias, whatever the author did (left, blocked them, closed their account):
    the line never changes, so it tells nothing; the author's name once revealed."""
    rows = conversation._participant_rows
    me = next((r for r in rows if r.user_id == viewer.pk), None)
    if conversation.is_relay and me is not None and not me.hidden_author:
        author = next((r for r in rows if r.hidden_author), None)
        if conversation.revealed and author is not None:
            return [
                {"name": member_name(author.user), "url": profile_url(author.user_id)}
            ]
        alias = alias_label(conversation.relay_alias)
        return [{"name": _("%(alias)s, the author") % {"alias": alias}}]
    shown = []
    for row in rows:
        if row.user_id == viewer.pk:
            continue
        shown.append(
            {
                "name": member_name(row.user),
                "url": profile_url(row.user_id),
                "left": row.left_at is not None,
                "pk": row.user_id,
            }
        )
    return shown


def title(conversation: Conversation, viewer, shown: list[dict]) -> str:
    if conversation.is_relay:
        me = permissions.participant(viewer, conversation)
        hidden = me is not None and me.hidden_author
        if conversation.relay_post is None:  # the post is gone; the relay stays one
            if hidden:
                asker = shown[0]["name"] if shown else _("A member")
                return _("%(asker)s, about a post of yours since removed") % {
                    "asker": asker
                }
            return _("%(alias)s, the author of a removed post") % {
                "alias": alias_label(conversation.relay_alias)
            }
        thread = conversation.relay_post.thread.title
        if hidden:
            asker = shown[0]["name"] if shown else _("A member")
            return _("%(asker)s, about your post in “%(thread)s”") % {
                "asker": asker,
                "thread": thread,
            }
        return _("The author of a post in “%(thread)s”") % {"thread": thread}
    names = [p["name"] for p in shown if not p.get("left")]
    return ", ".join(names) or _("Only you")


# --- The inbox --------------------------------------------------------------------------


@login_required
def inbox(request):
    """The member's conversations, most recent first, unread ones marked; a fixed
    number of queries whatever the page holds."""
    last = ChatMessage.objects.filter(
        room_id=OuterRef("conversation__room_id"),
        seq=OuterRef("conversation__room__last_seq"),
    )
    rows = (
        Participant.objects.filter(
            user=request.user, left_at__isnull=True, silenced=False
        )
        .select_related(
            "conversation__room",
            "conversation__relay_post__thread",
        )
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_hidden=Subquery(last.values("hidden")[:1]),
        )
        .order_by(F("conversation__last_message_at").desc(nulls_last=True), "-pk")
    )
    page = Paginator(rows, setting("CONVERSATIONS_PER_PAGE")).get_page(
        request.GET.get("page")
    )
    mine = list(page.object_list)
    conversations = [row.conversation for row in mine]
    everyone: dict[int, list] = {}
    for row in Participant.objects.filter(
        conversation__in=conversations
    ).select_related("user__profile"):
        everyone.setdefault(row.conversation_id, []).append(row)
    items = []
    for row in mine:
        conversation = row.conversation
        conversation._participant_rows = everyone.get(conversation.pk, [])
        shown = people(conversation, request.user)
        items.append(
            {
                "conversation": conversation,
                "title": title(conversation, request.user, shown),
                "excerpt": _("Hidden by a moderator.")
                if row.last_hidden
                else (row.last_body or ""),
                "unread": conversation.room.last_seq > row.last_read_seq,
                "muted": row.muted,
                "open": conversation.room.is_open(),
            }
        )
    return render(
        request,
        "forums/conversations/inbox.html",
        {"items": items, "page": page},
    )


# --- One conversation ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request, pk: int):
    conversation = _conversation_or_404(request, pk)
    room = conversation.room
    error = None
    typed = {"body": ""}
    reply_to = request.POST.get("reply_to") or request.GET.get("reply_to")
    if request.method == "POST":
        typed = {"body": request.POST.get("body", "")}
        try:
            chat.message_send(
                room=room,
                author=request.user,
                body=typed["body"],
                client_id=request.POST.get("client_id", ""),
                reply_to_id=_int(request.POST.get("reply_to")),
                ip=client_ip(request),
            )
        except chat.ChatError as refused:
            error = refused
        else:
            flash.success(request, _("Sent."))
            return redirect(conversation.get_absolute_url() + "#chat-end")
    status = STATUS.get(error.code, 400) if error else 200
    return conversation_page(
        request,
        conversation,
        typed=typed,
        reply_to=reply_to,
        error=error,
        status=status,
    )


def conversation_page(
    request,
    conversation,
    *,
    typed=None,
    reply_to=None,
    error=None,
    add_form=None,
    status=200,
):
    room = conversation.room
    typed = typed or {"body": ""}
    context = panel(request, room, typed=typed, reply_to=reply_to, error=error)
    if context["items"] and request.method == "GET":
        services.mark_read(
            user=request.user, conversation=conversation, seq=context["last_id"]
        )
    me = permissions.participant(request.user, conversation)
    shown = people(conversation, request.user)
    others = [p for p in shown if p.get("pk") and not p.get("left")]
    blockable = others[0] if len(others) == 1 and not conversation.is_relay else None
    context.update(
        {
            "conversation": conversation,
            "people": shown,
            "title": title(conversation, request.user, shown),
            "me": me,
            "read_url": f"{conversation.get_absolute_url()}do/read/",
            "report_url": f"{conversation.get_absolute_url()}report/",
            "can_reveal": permissions.can_reveal(request.user, conversation),
            "can_close": permissions.can_close(request.user, conversation),
            "blockable": blockable,
            "blocked": blockable is not None
            and Block.objects.filter(
                blocker=request.user, blocked_id=blockable["pk"]
            ).exists(),
            "revealed_name": member_name(request.user)
            if me.hidden_author and conversation.revealed
            else "",
            "about": conversation.about_url
            and permissions.can_see_about(request.user, conversation),
            "can_add": not conversation.is_relay and room.is_open(),
            "add_form": add_form or AddPeopleForm(prefix="add"),
        }
    )
    return render(
        request, "forums/conversations/conversation.html", context, status=status
    )


@login_required
@require_POST
def add(request, pk: int):
    """Add people to a group conversation; a name nobody has is pointed out on the
    conversation's page, with what was typed kept."""
    conversation = _conversation_or_404(request, pk)
    form = AddPeopleForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            added = services.add_people(
                by=request.user,
                conversation=conversation,
                others=form.cleaned_data["names"],
            )
        except services.Refused as refused:
            form.add_error("names", refused.message)
        else:
            flash.success(
                request,
                _("Added: %(names)s.")
                % {"names": ", ".join(member_name(u) for u in added)},
            )
            return redirect(conversation.get_absolute_url())
    return conversation_page(request, conversation, add_form=form, status=400)


@login_required
def report(request, pk: int, seq: int):
    """A message's "Report" link, the same for messages the page drew and those the
    script added live: to the moderation flag form for that message."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from ..ids import chat_message_ref

    conversation = _conversation_or_404(request, pk)
    message = get_object_or_404(
        ChatMessage, room_id=conversation.room_id, seq=seq, hidden=False
    )
    if message.author_id == request.user.pk:
        flash.info(request, _("That message is yours: you can edit it instead."))
        return redirect(conversation.get_absolute_url())
    content_type = ContentType.objects.get_for_model(ChatMessage)
    flag = reverse(
        "moderation:flag", args=[content_type.pk, chat_message_ref(message.pk)]
    )
    return redirect(f"{flag}?next={conversation.get_absolute_url()}")


ACTIONS = ("read", "mute", "unmute", "leave", "close", "reveal")


@login_required
@require_POST
def conversation_do(request, pk: int, action: str):
    conversation = _conversation_or_404(request, pk)
    if action not in ACTIONS:
        raise Http404
    if action == "read":
        seq = _int(request.POST.get("seq"))
        if seq is None:
            return JsonResponse({"error": _("Give the number read.")}, status=400)
        services.mark_read(user=request.user, conversation=conversation, seq=seq)
        return JsonResponse({"ok": True})
    try:
        if action in ("mute", "unmute"):
            services.set_muted(
                user=request.user, conversation=conversation, muted=action == "mute"
            )
            flash.success(
                request,
                _("Muted: no emails and no unread mark for it.")
                if action == "mute"
                else _("You will hear about new messages again."),
            )
        elif action == "leave":
            services.leave(user=request.user, conversation=conversation)
            flash.success(request, _("You left the conversation."))
            return redirect("forums:inbox")
        elif action == "close":
            services.close(user=request.user, conversation=conversation)
            flash.success(
                request, _("Closed. It stays readable; nothing more can be sent.")
            )
        elif action == "reveal":
            services.reveal(user=request.user, conversation=conversation)
            flash.success(request, _("Your next messages here carry your name."))
    except services.Refused as refused:
        raise PermissionDenied(refused.message) from None
    return redirect(conversation.get_absolute_url())


# --- Starting --------------------------------------------------------------------------


def _members(refs) -> list:
    pks = []
    for ref in refs[: setting("CONVERSATION_MAX_PEOPLE")]:
        try:
            pks.append(MemberId().to_python(ref))
        except ValueError:
            continue
    return list(
        get_user_model()
        .objects.filter(pk__in=pks, is_active=True)
        .select_related("profile")
        .order_by("pk")
    )


def _about_post(request) -> Post | None:
    from ..ids import post_pk

    pk = post_pk(request.POST.get("about") or request.GET.get("about") or "")
    if pk is None:
        return None
    post = Post.objects.select_related("thread__space", "author").filter(pk=pk).first()
    if post is None or post.anonymous or not can_view_post(request.user, post):
        return None
    return post


@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    """A new conversation with the members named in ``?to=`` (from a profile, a post
    or a visit) and any typed in; with one person it continues the open one."""
    refs = request.POST.getlist("to") or request.GET.getlist("to")
    chosen = [u for u in _members(refs) if u.pk != request.user.pk]
    about = _about_post(request)
    page_token = request.POST.get("page") or request.GET.get("page") or ""
    page = services.read_about(page_token) if page_token else None
    form = StartForm(
        request.POST or None, chosen=chosen, initial={"client_id": uuid.uuid4()}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                conversation = services.conversation_start(
                    starter=request.user,
                    others=chosen + form.cleaned_data["names"],
                    body=form.cleaned_data["body"],
                    client_id=str(form.cleaned_data["client_id"]),
                    about_post=about,
                    about_title=about.thread.title if about else (page or ("", ""))[0],
                    about_url=about.get_absolute_url()
                    if about
                    else (page or ("", ""))[1],
                    ip=client_ip(request),
                )
            except services.Refused as refused:
                form.add_error(None, refused.message)
            else:
                return redirect(conversation.get_absolute_url() + "#chat-end")
        status = 400
    return render(
        request,
        "forums/conversations/start.html",
        {
            "form": form,
            "chosen": [
                {"ref": member_ref(u.pk), "name": member_name(u)} for u in chosen
            ],
            "about": about,
            "page": {"title": page[0], "url": page[1], "token": page_token}
            if page
            else None,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ask_author(request, pk: int):
    """ "Reply privately to the author" of an anonymous post, through the relay."""
    post = get_object_or_404(
        Post.objects.select_related("thread__space__organisation"), pk=pk
    )
    if not can_view_post(request.user, post):
        raise Http404
    if not permissions.can_ask_author(request.user, post):
        raise PermissionDenied(
            _("You cannot write privately to the author of this post.")
        )
    if request.method == "GET":
        existing = services.open_relay(request.user, post)
        if existing is not None:
            return redirect(existing.get_absolute_url())
    form = MessageForm(request.POST or None, initial={"client_id": uuid.uuid4()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                conversation = services.relay_start(
                    asker=request.user,
                    post=post,
                    body=form.cleaned_data["body"],
                    client_id=str(form.cleaned_data["client_id"]),
                    ip=client_ip(request),
                )
            except services.Refused as refused:
                form.add_error(None, refused.message)
            else:
                return redirect(conversation.get_absolute_url() + "#chat-end")
        status = 400
    return render(
        request,
        "forums/conversations/ask.html",
        {"form": form, "post": post, "alias": post.byline},
        status=status,
    )


# --- Blocks ----------------------------------------------------------------------------


@login_required
def blocked(request):
    rows = (
        Block.objects.filter(blocker=request.user)
        .select_related("blocked__profile")
        .order_by("-created")
    )
    return render(
        request,
        "forums/conversations/blocked.html",
        {"rows": [{"name": member_name(r.blocked), "pk": r.blocked_id} for r in rows]},
    )


@login_required
@require_POST
def block(request, member: int):
    other = get_object_or_404(get_user_model(), pk=member)
    try:
        if request.POST.get("undo") == "1":
            services.unblock(blocker=request.user, blocked=other)
            flash.success(request, _("Unblocked: they can write to you again."))
        else:
            services.block(blocker=request.user, blocked=other)
            flash.success(
                request,
                _(
                    "Blocked: they cannot start a conversation with you or write to "
                    "you one to one. They are not notified."
                ),
            )
    except services.Refused as refused:
        raise PermissionDenied(refused.message) from None
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("forums:conversations_blocked")

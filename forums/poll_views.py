"""Polls: start one (a form that works without JavaScript), vote, close, remove, and a
page's polls as one reader sees them (what its script fetches when a poll changes)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.forms import add_errors

from . import permissions, polls
from .chat_views import _room_or_404
from .forms import PollForm
from .models import Room, Thread
from .views import _page


def _visible(request, pk: int):
    poll = polls.load(pk, request.user)
    if poll is None or not polls.can_view(request.user, poll):
        raise Http404
    return poll


def _thread_or_404(request, pk: int) -> Thread:
    """The thread, if the reader may read it: as for every poll address, what is out
    of reach is not there."""
    thread = get_object_or_404(
        Thread.objects.select_related("space__organisation__parent__parent"), pk=pk
    )
    if not permissions.can_view_thread(request.user, thread):
        raise Http404
    return thread


def _ask(request, *, thread: Thread | None = None, room: Room | None = None):
    if not polls.can_ask(request.user, thread=thread, room=room):
        raise PermissionDenied(_("You cannot start a poll here."))
    back = polls.home_url(thread=thread, room=room)
    form = PollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            poll = polls.ask(
                by=request.user,
                question=data["question"],
                choices=data["choices"],
                duration=data.get("duration") or "",
                thread=thread,
                room=room,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            flash.success(request, _("Poll started."))
            return redirect(polls.page_url(poll))
    where = thread.title if thread else room.title
    return render(
        request,
        "forums/poll_form.html",
        _page(request, form=form, back=back, where=where),
    )


@login_required
def ask_in_thread(request, pk: int):
    return _ask(request, thread=_thread_or_404(request, pk))


@login_required
def ask_in_room(request, room_id: int):
    return _ask(request, room=_room_or_404(request, room_id))


@login_required
@require_POST
def vote(request, pk: int):
    poll = _visible(request, pk)
    level, status = flash.SUCCESS, 200
    try:
        polls.vote(by=request.user, poll=poll, choice_id=request.POST.get("choice"))
    except polls.AlreadyVoted:
        level, message = flash.INFO, _("You had already voted in this poll.")
    except ValidationError as error:
        level, status, message = flash.ERROR, 400, " ".join(error.messages)
    except PermissionDenied as denied:
        level, status, message = flash.ERROR, 403, str(denied)
    else:
        message = _("Thank you: your vote is counted, and it is secret.")
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"ok": status == 200, "message": message}, status=status)
    flash.add_message(request, level, message)
    return redirect(polls.page_url(poll))


@login_required
@require_POST
def close(request, pk: int):
    poll = _visible(request, pk)
    polls.close(by=request.user, poll=poll)
    flash.success(request, _("Poll closed."))
    return redirect(polls.page_url(poll))


@login_required
@require_POST
def remove(request, pk: int):
    poll = _visible(request, pk)
    back = polls.page_url(poll).split("#")[0]
    polls.remove(by=request.user, poll=poll)
    flash.success(request, _("Poll removed."))
    return redirect(back)


def _list(request, context: dict):
    """A page's polls alone, as this reader sees them: what the page's script swaps
    in when a poll starts or closes, or after its socket was down."""
    response = render(request, "forums/includes/poll_list.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def thread_polls(request, pk: int):
    thread = _thread_or_404(request, pk)
    return _list(request, polls.context(request.user, thread=thread))


def room_polls(request, room_id: int):
    room = _room_or_404(request, room_id)
    return _list(request, polls.context(request.user, room=room))

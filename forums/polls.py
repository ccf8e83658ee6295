"""Polls in threads and live polls in chat rooms (a webinar's room, a space's chat).

- **Who asks.** In a thread, its author or the space's moderators; in a room, the
  room's moderators (a webinar's hosts). No author is stored on the poll, so a poll in
  an anonymous author's thread points at nobody.
- **Who votes.** Whoever may reply in the thread or write in the room, once. The
  ballot is secret: ``PollVoter`` keeps *that* a member voted (to the day), and the
  chosen answer only raises its count. Nothing stored pairs a member with an answer,
  so no screen, export, frame or administrator can show it (only someone watching
  the database live, as each vote lands, could pair the two).
- **Who sees the counts.** Everyone who may read the thread or room once they have
  voted, those who cannot vote (a visitor on a public thread) and those who run the
  poll at any time, and everyone once it is closed. Before voting a member sees the
  question and the answers, so the first votes do not steer the rest.
- **Live.** Each vote sends the new counts, and nothing else, to the thread's or the
  room's group on commit (``poll.results``); a new or closed poll sends
  ``poll.changed`` and the page fetches its polls again, as that reader sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import permissions as community
from community.realtime import broadcast_on_commit, group_name

from . import chat, pages, permissions
from .models import Poll, PollChoice, PollVoter, Room, Thread

MIN_CHOICES = 2
MAX_CHOICES = 8
# A thread asks a few questions; a webinar may run one after another all session.
MAX_PER_THREAD = 3
MAX_PER_ROOM = 20
# How long a poll stays open, as the form offers it (no choice: until closed).
DURATIONS = [
    ("", gettext_lazy("Until I close it")),
    ("5m", gettext_lazy("5 minutes")),
    ("1h", gettext_lazy("1 hour")),
    ("1d", gettext_lazy("1 day")),
    ("1w", gettext_lazy("1 week")),
]
_SPANS = {
    "5m": timedelta(minutes=5),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}


def closes_at_for(duration: str):
    span = _SPANS.get(duration or "")
    return timezone.now() + span if span else None


# --- Who may do what -------------------------------------------------------------------


def moderates(user, *, thread: Thread | None = None, room: Room | None = None) -> bool:
    """Does ``user`` moderate where these polls are: the thread's space, or the room
    (a webinar's hosts moderate its room)?"""
    if not community.can_participate(user):
        return False
    if thread is not None:
        return permissions.can_moderate_space(user, thread.space)
    return room is not None and chat.can_moderate_room(user, room)


def can_ask(user, *, thread: Thread | None = None, room: Room | None = None) -> bool:
    """May ``user`` put a poll in this thread or room?"""
    if thread is None:
        return moderates(user, room=room)
    if not community.can_participate(user) or not permissions.can_view_thread(
        user, thread
    ):
        return False
    return moderates(user, thread=thread) or (
        thread.author_id == user.pk
        and not thread.locked
        and permissions.can_post_in_space(user, thread.space)
    )


def can_run(user, poll: Poll) -> bool:
    """May ``user`` close the poll and see its counts before voting?"""
    return can_ask(user, thread=poll.thread, room=poll.room)


def can_remove(user, poll: Poll) -> bool:
    """Moderators remove a poll whose words break the code of conduct (in a room,
    its moderators are who run its polls)."""
    return moderates(user, thread=poll.thread, room=poll.room)


def can_view(user, poll: Poll) -> bool:
    if poll.thread_id is not None:
        return permissions.can_view_thread(user, poll.thread)
    return chat.can_view_room(user, poll.room)


def still_open(poll: Poll) -> bool:
    """Open, and for a webinar's poll its room too: nobody votes after the session."""
    return poll.is_open() and (poll.room_id is None or poll.room.is_open())


def can_vote(user, poll: Poll) -> bool:
    if not community.can_participate(user) or not still_open(poll):
        return False
    if poll.thread_id is not None:
        return permissions.can_reply(user, poll.thread)
    return chat.can_send(user, poll.room)


# --- Reading ---------------------------------------------------------------------------


def _with_state(queryset, user):
    queryset = queryset.prefetch_related(
        Prefetch("choices", queryset=PollChoice.objects.order_by("position"))
    )
    if getattr(user, "is_authenticated", False):
        voted = PollVoter.objects.filter(poll=OuterRef("pk"), user=user)
        queryset = queryset.annotate(voted=Exists(voted))
    return queryset


def for_thread(thread: Thread, user) -> list[Poll]:
    """The thread's polls, oldest first, each with its choices and whether ``user``
    voted: two queries, or one when there is none."""
    return list(_with_state(Poll.objects.filter(thread=thread), user).order_by("id"))


def for_room(room: Room, user, *, limit: int = 3) -> list[Poll]:
    """The room's latest polls, newest first."""
    return list(_with_state(Poll.objects.filter(room=room), user)[:limit])


def load(pk: int, user) -> Poll | None:
    return (
        _with_state(Poll.objects.filter(pk=pk), user)
        .select_related("thread__space__organisation__parent__parent", "room__space")
        .first()
    )


@dataclass
class Shown:
    """A poll as one reader sees it."""

    poll: Poll
    choices: list[PollChoice]
    total: int
    open: bool
    voted: bool
    can_vote: bool
    can_run: bool
    can_remove: bool
    show_counts: bool


def shown(
    poll: Poll, user, *, runner: bool | None = None, remover: bool | None = None
) -> Shown:
    choices = list(poll.choices.all())
    voted = bool(getattr(poll, "voted", False))
    runs = can_run(user, poll) if runner is None else runner
    votable = not voted and can_vote(user, poll)
    is_open = still_open(poll)
    return Shown(
        poll=poll,
        choices=choices,
        total=sum(c.votes for c in choices),
        open=is_open,
        voted=voted,
        can_vote=votable,
        can_run=runs and is_open,
        can_remove=can_remove(user, poll) if remover is None else remover,
        # Counts wait for a member's own vote while they still may vote.
        show_counts=not votable or runs,
    )


def home_url(*, thread: Thread | None = None, room: Room | None = None) -> str:
    """Where polls are shown: the thread's first page, or the room's page (a
    webinar's live page)."""
    if thread is not None:
        return thread.get_absolute_url()
    return chat.owner_of(room).page_url(room)


def page_url(poll: Poll) -> str:
    return home_url(thread=poll.thread, room=poll.room) + f"#poll-{poll.pk}"


# --- Writing ---------------------------------------------------------------------------


def _clean(question: str, labels: list[str]) -> tuple[str, list[str]]:
    question = " ".join((question or "").split())
    labels = [" ".join(label.split()) for label in labels]
    labels = [label for label in labels if label]
    errors = {}
    if not question:
        errors["question"] = _("Write the question.")
    elif len(question) > 200:
        errors["question"] = _("Keep the question under 200 characters.")
    if len(labels) < MIN_CHOICES or len(labels) > MAX_CHOICES:
        errors["choices"] = _("Give between %(low)s and %(high)s answers.") % {
            "low": MIN_CHOICES,
            "high": MAX_CHOICES,
        }
    elif any(len(label) > 120 for label in labels):
        errors["choices"] = _("Keep each answer under 120 characters.")
    elif len({label.casefold() for label in labels}) < len(labels):
        errors["choices"] = _("Each answer must differ from the others.")
    if errors:
        raise ValidationError(errors)
    return question, labels


def _group(poll: Poll) -> str:
    if poll.thread_id is not None:
        return group_name("thread", poll.thread_id)
    return chat.group_for(poll.room_id)


def _send(poll: Poll, frame: dict) -> None:
    """``frame`` to the poll's readers on commit, and a new copy of the thread page
    for visitors."""
    broadcast_on_commit(_group(poll), frame)
    if poll.thread_id is not None:
        pages.thread_changed(poll.thread_id)


def _changed(poll: Poll) -> None:
    _send(poll, {"type": "poll.changed", "poll": poll.pk})


@transaction.atomic
def ask(
    *,
    by,
    question: str,
    choices: list[str],
    duration: str = "",
    thread: Thread | None = None,
    room: Room | None = None,
) -> Poll:
    if not can_ask(by, thread=thread, room=room):
        raise PermissionDenied(_("You cannot start a poll here."))
    question, labels = _clean(question, choices)
    existing = Poll.objects.filter(thread=thread) if thread else room.polls.all()
    cap = MAX_PER_THREAD if thread else MAX_PER_ROOM
    if existing.count() >= cap:
        raise ValidationError(
            _("This already has %(n)s polls, the most it can have.") % {"n": cap}
        )
    poll = Poll.objects.create(
        thread=thread,
        room=room,
        question=question,
        closes_at=closes_at_for(duration),
    )
    PollChoice.objects.bulk_create(
        PollChoice(poll=poll, label=label, position=i) for i, label in enumerate(labels)
    )
    _changed(poll)
    return poll


def results_frame(poll: Poll) -> dict:
    """Counts only: the same for every reader, and nothing about who."""
    choices = list(poll.choices.order_by("position").values("pk", "votes"))
    return {
        "type": "poll.results",
        "poll": poll.pk,
        "total": sum(c["votes"] for c in choices),
        "choices": [{"id": c["pk"], "votes": c["votes"]} for c in choices],
    }


class AlreadyVoted(Exception):
    pass


def vote(*, by, poll: Poll, choice_id) -> None:
    """One vote, counted once: the voter's row is unique per poll, and the count rises
    in the same transaction, so a second request (a double tap, two tabs, two
    workers at once) fails on the row and counts nothing."""
    if not can_vote(by, poll):
        if not still_open(poll):
            raise PermissionDenied(_("This poll is closed."))
        raise PermissionDenied(_("You cannot vote in this poll."))
    try:
        choice_pk = int(choice_id)
    except (TypeError, ValueError):
        raise ValidationError(_("Choose one of the answers.")) from None
    try:
        with transaction.atomic():
            PollVoter.objects.create(poll=poll, user=by, day=timezone.localdate())
            counted = PollChoice.objects.filter(poll=poll, pk=choice_pk).update(
                votes=F("votes") + 1
            )
            if not counted:
                raise ValidationError(_("Choose one of the answers."))
            _send(poll, results_frame(poll))
    except IntegrityError:
        raise AlreadyVoted from None


@transaction.atomic
def close(*, by, poll: Poll) -> Poll:
    if not can_run(by, poll):
        raise PermissionDenied(_("Only whoever runs this poll can close it."))
    if poll.is_open():
        poll.closes_at = timezone.now()
        poll.save(update_fields=["closes_at"])
        _changed(poll)
    return poll


@transaction.atomic
def remove(*, by, poll: Poll) -> None:
    if not can_remove(by, poll):
        raise PermissionDenied(_("Only moderators remove a poll."))
    _changed(poll)  # the pages drop it when they fetch their polls again
    poll.delete()


def context(user, *, thread: Thread | None = None, room: Room | None = None) -> dict:
    """What a page shows of its polls (``forums/includes/polls.html``): each as this
    reader sees it, and whether they may start one."""
    from django.urls import reverse

    asker = can_ask(user, thread=thread, room=room)
    remover = moderates(user, thread=thread, room=room)
    if thread is not None:
        found = for_thread(thread, user)
        ask_url = reverse("forums:poll_in_thread", args=[thread.pk])
        list_url = reverse("forums:thread_polls", args=[thread.pk])
    else:
        found = for_room(room, user)
        ask_url = reverse("forums:poll_in_room", args=[room.pk])
        list_url = reverse("forums:room_polls", args=[room.pk])
    for poll in found:  # the page loaded these already
        if thread is not None:
            poll.thread = thread
        else:
            poll.room = room
    return {
        "polls": [shown(poll, user, runner=asker, remover=remover) for poll in found],
        "can_ask_poll": asker,
        "ask_poll_url": ask_url,
        "polls_url": list_url,
        # A room's page waits for a poll to start; a thread's shows what it has.
        "polls_live": room is not None,
    }

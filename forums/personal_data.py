"""What the forums hold about a member (``community.personal_data``).

Their posts, threads and chat messages (anonymous ones included: they are the
member's own), reactions, follows, private-space memberships, email choices, and the
polls they voted in (never their answer: it is not kept).

Leaving: named posts and chat messages the member chose to remove lose their text
(and their earlier versions, and their place in search); the thread they opened
stays for the replies in it, its opening post shown as removed. Everything else the
foreign keys decide: named content falls to "Former member", anonymous content keeps
its alias and loses its only link to the account.
"""

from django.utils import timezone

from community.personal_data import Part, blank_and_remove, rows

from .models import (
    Block,
    ChatMessage,
    Follow,
    Participant,
    PollVoter,
    Post,
    PostRevision,
    Preferences,
    Reaction,
    SpaceMembership,
    Thread,
)


def export(user) -> dict[str, list[dict]]:
    return {
        # That they voted, and the day: what they chose was never kept.
        "polls_you_voted_in": rows(
            PollVoter.objects.filter(user=user).order_by("day", "pk"),
            "poll__question",
            "day",
        ),
        "threads_you_started": rows(
            Thread.objects.filter(author=user).order_by("created"),
            "id",
            "space__name",
            "title",
            "kind",
            "outcome",
            "anonymous",
            "created",
            "deleted_at",
        ),
        "posts": rows(
            Post.objects.filter(author=user).order_by("created"),
            "thread_id",
            "thread__title",
            "number",
            "anonymous",
            "alias",
            "body",
            "created",
            "edited_at",
            "deleted_at",
            "hidden",
        ),
        "chat_messages": rows(
            ChatMessage.objects.filter(author=user).order_by("created"),
            "room__title",
            "seq",
            "anonymous",
            "alias",
            "body",
            "created",
            "edited_at",
            "hidden",
        ),
        "reactions": rows(
            Reaction.objects.filter(user=user).order_by("created"),
            "post__thread_id",
            "post__number",
            "kind",
            "created",
        ),
        "follows": rows(
            Follow.objects.filter(user=user), "space__name", "thread__title", "created"
        ),
        "private_spaces": rows(
            SpaceMembership.objects.filter(user=user),
            "space__name",
            "created",
            "accepted_at",
        ),
        "email_choices": rows(
            Preferences.objects.filter(user=user),
            "email_reply",
            "email_mention",
            "email_answer",
            "email_message",
            "digest",
        ),
        # Their messages there are under chat_messages; who else was in it is the
        # others' to tell.
        "private_conversations": rows(
            Participant.objects.filter(user=user).order_by("joined"),
            "conversation_id",
            "joined",
            "hidden_author",
            "muted",
            "left_at",
        ),
        "members_you_blocked": rows(
            Block.objects.filter(blocker=user).order_by("created"),
            "blocked__profile__display_name",
            "created",
        ),
    }


def erase(user, remove_named: bool) -> None:
    if not remove_named:
        return
    now = timezone.now()
    named = Post.objects.filter(author=user, anonymous=False)
    PostRevision.objects.filter(post__in=named).delete()
    named.filter(deleted_at__isnull=True).update(deleted_at=now)
    blank_and_remove(named, "body", "body_html")
    blank_and_remove(
        ChatMessage.objects.filter(author=user, anonymous=False),
        "body",
        "body_html",
        hidden=True,
    )


def part() -> Part:
    return Part("forums", export, erase)

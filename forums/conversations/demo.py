"""Demo private conversations: Amina asks Esther for her scale check after a thread,
and writes privately to the anonymous author of "Working alone at night" (the relay);
each has a reply she has not read yet. The exchange-visit conversation is seeded by
``events.visits.demo``."""

from __future__ import annotations

import uuid

from .. import chat
from ..models import Post
from .models import Conversation, Participant
from .services import create


def conversation_seed(
    *, key: str, starter, others, lines, hidden_author=None, **fields
) -> Conversation:
    """A conversation with its history, once (``key`` names it across runs).
    ``lines`` are (author, text); the seed sends nobody an email about them."""
    start_key = uuid.uuid5(uuid.NAMESPACE_URL, f"demo-conversation/{key}")
    done = Conversation.objects.filter(started_by=starter, start_key=start_key).first()
    if done is not None:
        return done
    rows = [{"user": starter}] + [
        {"user": o, "hidden_author": o == hidden_author} for o in others
    ]
    conversation = create(starter, start_key, rows, **fields)
    for index, (author, text) in enumerate(lines):
        chat.message_send(
            room=conversation.room,
            author=author,
            body=text,
            client_id=uuid.uuid5(start_key, str(index)),
            rate_limited=False,  # history being imported, not people writing
        )
    # History, not news: every participant counts as told about it already.
    conversation.room.refresh_from_db()
    Participant.objects.filter(conversation=conversation).update(
        emailed_seq=conversation.room.last_seq
    )
    return conversation


def seed(context: dict) -> None:
    users = context["users"]
    amina, esther = users["practitioner"], users["nurse.lakeside"]
    scale_post = (
        Post.objects.filter(
            author=esther,
            anonymous=False,
            thread__title="Weighing scales for newborns: which do you trust?",
        )
        .select_related("thread")
        .first()
    )
    conversation_seed(
        key="scale-check",
        starter=amina,
        others=[esther],
        about_post=scale_post,
        about_title=scale_post.thread.title if scale_post else "",
        about_url=scale_post.get_absolute_url() if scale_post else "",
        lines=[
            (
                amina,
                "Hello Esther, could you send me the sheet you use for the Monday "
                "scale check? Ours drift too.",
            ),
            (
                esther,
                "Of course. It is one line a week: date, reading with the 2 kg bag, "
                "initials. I will put a photo in the library this week.",
            ),
            (amina, "Thank you! We will start on Monday."),
            (
                esther,
                "Tell me how the first month goes. If a scale is off by more than "
                "50 g, we take it out of use until the technician has seen it.",
            ),
        ],
    )
    poster = users["safe.poster"]
    night = (
        Post.objects.filter(
            author=poster,
            anonymous=True,
            number=1,
            thread__title="Working alone at night in the maternity ward",
        )
        .select_related("thread")
        .first()
    )
    if night is not None:
        conversation_seed(
            key="night-relay",
            starter=amina,
            others=[poster],
            hidden_author=poster,
            relay=True,
            relay_post=night,
            relay_alias=night.alias,
            lines=[
                (
                    amina,
                    "I read your post. I was alone at night for two years before we "
                    "agreed a call chain. Would it help if I shared how we asked "
                    "for it?",
                ),
                (
                    poster,
                    "Yes, please. I am afraid our lead will think I cannot cope.",
                ),
                (
                    amina,
                    "We framed it as a safety rule for everyone, with the night "
                    "register as evidence. Nobody had to say they were struggling.",
                ),
                (poster, "That is a good idea. I will try it at our staff meeting."),
            ],
        )
    # Amina has not read the last reply in either yet.
    Participant.objects.filter(user=amina).update(last_read_seq=3)

"""The opaque public ids of threads and posts (``community.opaque``)."""

from django.urls import register_converter

from community.opaque import OpaqueConverter, decode, encode


class ThreadId(OpaqueConverter):
    purpose = "forums.thread"


class PostId(OpaqueConverter):
    purpose = "forums.post"


class ConversationId(OpaqueConverter):
    purpose = "forums.conversation"


CHAT_MESSAGE = "forums.chat_message"


def thread_ref(pk: int) -> str:
    return encode(ThreadId.purpose, pk)


def post_ref(pk: int) -> str:
    return encode(PostId.purpose, pk)


def post_pk(ref: str) -> int | None:
    return decode(PostId.purpose, ref or "")


def chat_message_ref(pk: int) -> str:
    return encode(CHAT_MESSAGE, pk)


def chat_message_pk(ref: str) -> int | None:
    return decode(CHAT_MESSAGE, ref or "")


register_converter(ThreadId, "thread")
register_converter(ConversationId, "conversation")
register_converter(PostId, "post")

"""The opaque public ids of threads and posts (``community.opaque``)."""

from django.urls import register_converter

from community.opaque import OpaqueConverter, decode, encode


class ThreadId(OpaqueConverter):
    purpose = "forums.thread"


class PostId(OpaqueConverter):
    purpose = "forums.post"


def thread_ref(pk: int) -> str:
    return encode(ThreadId.purpose, pk)


def post_ref(pk: int) -> str:
    return encode(PostId.purpose, pk)


def post_pk(ref: str) -> int | None:
    return decode(PostId.purpose, ref or "")


register_converter(ThreadId, "thread")
register_converter(PostId, "post")

"""The one broadcast helper: send an event to a group after the transaction commits.

What a client sees therefore always exists in the database. Group names are built from
primary keys only. The payload is serialised once here, not once per recipient, and
consumers relay the text as it is (the fan-out cost on Redis is per frame).
"""

import json
import re
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

_GROUP_KIND = re.compile(r"^[a-z][a-z_]{0,40}$")
EVENT_TYPE = "realtime.event"


def group_name(kind: str, pk: int) -> str:
    """`thread.12`, `room.7`: a kind the code chose and an integer key, nothing else."""
    if not _GROUP_KIND.match(kind):
        raise ValueError(f"bad group kind {kind!r}")
    return f"{kind}.{int(pk)}"


def encode(event: dict[str, Any]) -> str:
    if "type" not in event:
        raise ValueError("a realtime event needs a 'type'")
    return json.dumps(event, cls=DjangoJSONEncoder, separators=(",", ":"))


def send_now(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": EVENT_TYPE, "text": encode(event)})


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    """Queue ``event`` for ``group``; it is sent only if the current transaction commits."""
    text = encode(event)  # fail early, inside the caller's transaction

    def _send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, {"type": EVENT_TYPE, "text": text})

    transaction.on_commit(_send)

import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:
        return False


async def _channel_layer_roundtrip() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    return message.get("token") == token


def _channel_layer_ok() -> bool:
    try:
        return async_to_sync(_channel_layer_roundtrip)()
    except Exception:
        return False


@never_cache
def healthz(request):
    """Answers 200 only when the database and the channel layer both answer."""
    checks = {"database": _database_ok(), "channel_layer": _channel_layer_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def favicon(request):
    """Browsers ask for ``/favicon.ico`` whatever the page says (for a feed, a
    calendar file, a bookmark). The site has no icon to send: "nothing" costs no
    bytes and fills no log with a 404 on every visit."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=604800"
    return response

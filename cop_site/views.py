import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
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


def checking_layer():
    """A layer of its own for one check, built from the site's settings.

    The worker's shared layer is waited on by its open sockets from the server's
    event loop, while this sync view's ``async_to_sync`` runs on a new loop;
    channels-redis refuses a second loop on one layer ("two event loops") for as
    long as any socket is open, so a check on the shared layer reported every busy
    worker as down."""
    return channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)


async def _channel_layer_roundtrip() -> bool:
    layer = checking_layer()
    try:
        channel = await layer.new_channel("healthz.")
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz.ping", "token": token})
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        return message.get("token") == token
    finally:
        if hasattr(layer, "close_pools"):
            await layer.close_pools()


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

"""A ready ASGI application for a host: Django for HTTP, every installed plugin's
websocket routes (``community.suite.websocket_urlpatterns``) for websockets.

Use it as ``ASGI_APPLICATION = "community.asgi.application"`` (``runserver`` with
daphne installed), or serve it: ``DJANGO_SETTINGS_MODULE=mysite.settings daphne
community.asgi:application``.
"""

import gc

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

django.setup(set_prefix=False)


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGI handler, with the middleware and the view in one thread hop.

    Every view and nearly every middleware here is synchronous. Django's async mode
    adapts each boundary between sync and async middleware with its own hop between
    the event loop and the sync thread (six per page here); in sync mode the whole
    chain runs as under WSGI, in one hop. Async views still work (Django wraps them).
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


django_asgi_app = OneHopASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from .metrics import count_websockets  # noqa: E402
from .suite import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Counted for /metrics (open websockets per worker), whichever plugin holds them.
        "websocket": count_websockets(
            AllowedHostsOriginValidator(
                AuthMiddlewareStack(URLRouter(websocket_urlpatterns()))
            )
        ),
    }
)

# Python's full garbage collections walk every object a worker holds: Django, Wagtail
# and every plugin, loaded once and never freed. With hundreds of sockets open that
# walk paused the event loop for 30-200 ms at a time (the chat benchmark's tail).
# Load the URL configuration (and so every view module) now, then move everything
# that exists to the permanent generation, which collections skip.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - imports every view module
gc.freeze()

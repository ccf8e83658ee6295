"""HTTP and websockets in one ASGI application: the suite's own (``community.asgi``),
which mounts the websocket routes of every installed plugin."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_site.settings.dev")

from community.asgi import application  # noqa: E402

__all__ = ["application"]

"""HTTP for a WSGI server (``gunicorn cop_site.wsgi``): the suite's own application,
``community.wsgi``; websockets stay with daphne (``cop_site.asgi``)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_site.settings.dev")

from community.wsgi import application  # noqa: E402

__all__ = ["application"]

"""A ready WSGI application for a host's HTTP, with ``community.asgi`` serving only
the websockets.

Every view here is synchronous, and Django under ASGI spends a third to two fifths of
a worker's CPU on the handler itself (issue #18's figures, whichever ASGI server).
The Channels documentation allows HTTP to be served by any server while daphne serves
the websockets; the proxy routes ``/ws/`` to daphne (``deploy/`` and the README's
scaled set-up). Serve it with a WSGI server::

    DJANGO_SETTINGS_MODULE=mysite.settings gunicorn community.wsgi:application
"""

import gc

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

# As in ``community.asgi``: load every view module now, then keep what was loaded out
# of the garbage collector's full walks (and, with ``--preload``, shared between the
# forked workers instead of copied by the walk's writes).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - imports every view module
gc.freeze()

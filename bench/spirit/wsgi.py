"""WSGI entry point of the peer, for gunicorn (``wsgi:application``).

``bench/spirit`` itself is on the path, so the settings module is plain ``settings``.
"""

import logging
import os

from django.core.wsgi import get_wsgi_application

logging.captureWarnings(True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

application = get_wsgi_application()

"""Events, registrations, questions (owned here) and exchange visits (``visit_models``)."""

from django.db import models  # noqa: F401

from .visit_models import *  # noqa: E402, F403  (exchange visits and learning reports)

"""Exchange visits and the cadence tracker, included by ``events.urls``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

"""Websocket routes of every installed plugin, for the host's ASGI router."""

from importlib import import_module

from django.apps import apps

websocket_urlpatterns: list = []


def collect_websocket_urlpatterns() -> list:
    """Each installed app may expose ``websocket_urlpatterns`` in its ``routing.py``."""
    patterns: list = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.routing")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.routing":
                raise
            continue
        if module.__name__ == __name__:
            continue
        patterns.extend(getattr(module, "websocket_urlpatterns", []))
    return patterns

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from forums.chat import register_room_owner
        from forums.models import RoomKind

        from . import (
            moderation,  # noqa: F401  (registers questions with moderation)
            push,
        )
        from .chat import EventRoomOwner, connect_signals

        register_room_owner(RoomKind.EVENT, EventRoomOwner())
        connect_signals()
        push.register()

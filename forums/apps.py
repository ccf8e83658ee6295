from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = _("Forums")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from community import visibility

        from . import moderation_adapters, permissions, push, signals  # noqa: F401
        from .conversations import services as conversations  # noqa: F401 - its rooms
        from .models import Post, Thread

        signals.connect()
        push.register()
        visibility.register(Thread, permissions.can_view_thread)
        visibility.register(Post, permissions.can_view_post)

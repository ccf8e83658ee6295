from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps
        from django.conf import settings

        if not getattr(settings, "CHANNEL_LAYERS", None):
            # A working default, like Django's local-memory cache: realtime within one
            # process. A host with several workers sets a shared layer (Redis).
            settings.CHANNEL_LAYERS = {
                "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
            }
        from django.contrib.auth.signals import user_logged_in

        from . import datasaver
        from .zones import signed_in

        user_logged_in.connect(signed_in, dispatch_uid="community.zones.signed_in")
        user_logged_in.connect(
            datasaver.signed_in, dispatch_uid="community.datasaver.signed_in"
        )
        from django.contrib.auth.signals import user_logged_out

        from .push import signed_out

        user_logged_out.connect(signed_out, dispatch_uid="community.push.signed_out")

        from .permissions import connect_kept_memberships

        connect_kept_memberships()

        from .pagecache import connect_search_renewal

        connect_search_renewal()

        if apps.is_installed("allauth.mfa") and apps.is_installed(
            "django.contrib.admin"
        ):
            from .mfa import hide_authenticators_from_the_admin

            hide_authenticators_from_the_admin()

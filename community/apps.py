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

        from .zones import signed_in

        user_logged_in.connect(signed_in, dispatch_uid="community.zones.signed_in")

        from .permissions import connect_kept_memberships

        connect_kept_memberships()
        _renew_search_on_every_indexed_change()

        if apps.is_installed("allauth.mfa") and apps.is_installed(
            "django.contrib.admin"
        ):
            from .mfa import hide_authenticators_from_the_admin

            hide_authenticators_from_the_admin()


def _search_changed(sender, **kwargs) -> None:
    from . import pagecache

    pagecache.changed(pagecache.SEARCH)


def _renew_search_on_every_indexed_change() -> None:
    """Visitors' kept search pages (``community.pagecache``) are renewed by any save
    or delete of anything Wagtail indexes, in any app, and of a page's view
    restrictions (which decide what ``public()`` finds)."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import PageViewRestriction
    from wagtail.search.index import get_indexed_models

    for model in [*get_indexed_models(), PageViewRestriction]:
        for signal in (post_save, post_delete):
            signal.connect(
                _search_changed,
                sender=model,
                dispatch_uid=f"search-kept-{model._meta.label}-{id(signal)}",
            )

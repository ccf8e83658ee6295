"""Every installed plugin's URLs under its prefix, plus accounts.

A host includes this at "" ahead of Wagtail's catch-all page serving::

    path("", include("community.suite_urls")),

A plugin that is not installed is left out, so a host may take part of the suite.
"""

from django.apps import apps
from django.urls import include, path

from .suite import PLUGINS

urlpatterns = [path("accounts/", include("allauth.urls"))]
urlpatterns += [
    path(prefix, include(f"{name}.urls"))
    for name, prefix in PLUGINS.items()
    if apps.is_installed(name)
]

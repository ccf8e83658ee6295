from importlib import import_module

from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

from .settings import PLUGINS

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/", include("allauth.urls")),
    path("community/", include("community.urls")),
]
for plugin in PLUGINS:
    import_module(f"{plugin}.urls")
    urlpatterns.append(path(f"{plugin}/", include(f"{plugin}.urls")))
urlpatterns.append(path("", include(wagtail_urls)))

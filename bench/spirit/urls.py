"""The peer's URLs, as Spirit's ``startproject`` template writes them."""

import spirit.urls
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path

# The template puts Django's admin login behind Spirit's own sign-in.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("", include(spirit.urls)),
    re_path(r"^admin/", admin.site.urls),
]

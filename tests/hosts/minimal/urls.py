from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

# The suite's one include: accounts, and each installed plugin under its prefix (the
# plugins this host leaves out are left out of the URLs too).
urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("", include("community.suite_urls")),
    path("", include(wagtail_urls)),
]

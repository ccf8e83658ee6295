"""Wagtail's API v2, read-only, for other sites to syndicate the public library.

Only live, public library items are listed (Wagtail's own filter drops drafts and
pages behind view restrictions); only GET is routed, so writes answer 405.
"""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

from library.models import LibraryItem


class LibraryPagesAPIViewSet(PagesAPIViewSet):
    name = "pages"
    model = LibraryItem  # its api_fields: kind, summary, dates, tags

    def get_base_queryset(self):
        return super().get_base_queryset().type(LibraryItem)


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", LibraryPagesAPIViewSet)

"""What the library adds to Wagtail and to the host: admin views, the document
check, a home page section and a search result group."""

from django.http import HttpResponseForbidden
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet

from community.sections import (
    FACILITY_SECTIONS_HOOK,
    HOME_SECTIONS_HOOK,
    SEARCH_GROUPS_HOOK,
    HomeSection,
    SearchGroup,
)

from . import admin_views, permissions
from .models import Language, LibraryIndexPage, NewsletterIssuePage

register_snippet(Language)


@hooks.register("register_admin_urls")
def library_admin_urls():
    urls = [
        path("tags/", admin_views.tag_index, name="tags"),
        path("tags/<int:pk>/rename/", admin_views.tag_rename, name="tag_rename"),
        path(
            "newsletters/<int:pk>/send/",
            admin_views.newsletter_send,
            name="newsletter_send",
        ),
    ]
    return [
        path("library/", include((urls, "library_admin"), namespace="library_admin"))
    ]


class TagMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_curate_tags(request.user)


@hooks.register("register_admin_menu_item")
def tags_menu_item():
    return TagMenuItem(
        gettext_lazy("Tags"), reverse("library_admin:tags"), icon_name="tag", order=850
    )


@hooks.register("register_page_header_buttons")
def newsletter_send_button(page, user, view_name, next_url=None):
    if page.specific_class is NewsletterIssuePage and permissions.can_send_newsletter(
        user
    ):
        yield Button(
            _("Send…"),
            reverse("library_admin:newsletter_send", args=[page.pk]),
            icon_name="mail",
            priority=40,
        )


@hooks.register("before_serve_document")
def restricted_documents(document, request):
    """Files in the restricted library collection (drafts, embargoed reports) go only
    to library editors; everyone else gets 403, signed in or not."""
    from .conf import setting

    collection = document.collection
    names = {collection.name} | {
        c.name for c in collection.get_ancestors().only("name")
    }
    if setting("RESTRICTED_COLLECTION") in names and not (
        permissions.can_download_restricted(request.user)
    ):
        return HttpResponseForbidden(_("This file is not public."))
    return None


@hooks.register("after_create_page")
def set_up_new_library(request, page):
    if isinstance(page.specific, LibraryIndexPage):
        from .services import library_setup

        library_setup(index=page.specific)


@hooks.register(HOME_SECTIONS_HOOK)
def latest_resources(request):
    from .selectors import latest_items

    items = latest_items(request.user, limit=5)
    if not items:
        return None
    return HomeSection(
        key="library",
        title=_("New in the library"),
        template="library/sections/latest.html",
        context={"items": items, "index": LibraryIndexPage.objects.live().first()},
        order=300,
    )


@hooks.register(SEARCH_GROUPS_HOOK)
def library_results(request, query):
    from .models import Kind, LibraryItem

    results = LibraryItem.objects.live().public().search(query)[:10]
    return SearchGroup(
        key="library",
        title=_("Library"),
        results=[
            {
                "title": item.title,
                "url": item.get_url(request),
                "snippet": f"{Kind(item.kind).label} · {item.summary}",
            }
            for item in results
        ],
        order=150,
    )


@hooks.register(FACILITY_SECTIONS_HOOK)
def facility_case_studies(request, facility):
    """A facility's profile: the published case studies from that facility."""
    from .models import CaseStudyPage

    studies = list(
        CaseStudyPage.objects.live()
        .public()
        .filter(facility=facility)
        .order_by("-first_published_at")[:10]
    )
    if not studies:
        return None
    return HomeSection(
        key="case_studies",
        title=_("Case studies"),
        template="library/sections/facility_case_studies.html",
        context={"studies": studies},
        order=300,
    )


@hooks.register("community_nav_items")
def library_nav(request):
    """The library is a Wagtail page wherever editors put it: its address is looked up
    once every few minutes, not on every page."""
    from django.core.cache import cache
    from django.utils.translation import gettext as _

    from community.sections import NavItem

    from .models import LibraryIndexPage

    def index_url():
        index = LibraryIndexPage.objects.live().first()
        return index.url if index is not None else ""

    url = cache.get_or_set("library:nav-url", index_url, timeout=300)
    return NavItem(_("Library"), url, order=30) if url else None


# What this app holds about a member, for "download my data" and "delete my account".
from .personal_data import part as personal_data_part  # noqa: E402

hooks.register("community_personal_data", personal_data_part)

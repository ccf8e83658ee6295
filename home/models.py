from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from community.sections import home_sections


class HomePage(Page):
    """The learning centre's front door; each installed plugin adds a section."""

    tagline = models.CharField(_("tagline"), max_length=255, blank=True)
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = Page.content_panels + [FieldPanel("tagline"), FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    subpage_types = [
        "home.StandardPage",
        "improvement.StoriesIndexPage",
        "library.LibraryIndexPage",
        "connect.GlobalDevelopmentsPage",
        "connect.PartnerCountriesPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = home_sections(request)
        return context

    def route(self, request, path_components):
        """A translated home page (French) walks the default language's tree and
        serves each page's translation where one is published, the page itself where
        not. So a French reader never meets a 404 or a half-empty listing where an
        English reader finds the page, and aliases made while translating (parents
        copied by "translate") never hide the default tree's content."""
        default = self._default_translation()
        if default is None or not path_components:
            return super().route(request, path_components)
        try:
            result = default.specific.route(request, path_components)
        except Http404:
            return super().route(request, path_components)
        page, args, kwargs = result
        if args or kwargs:
            return result  # a sub-route of a routable page: served as it is
        translated = page.get_translation_or_none(self.locale)
        if translated is None or not translated.live or translated.alias_of_id:
            return result
        return translated.specific.route(request, [])

    def _default_translation(self):
        if self.locale.language_code == settings.LANGUAGE_CODE:
            return None
        return (
            self.get_translations()
            .filter(locale__language_code=settings.LANGUAGE_CODE)
            .first()
        )


class StandardPage(Page):
    """About pages, the code of conduct, help: text an editor writes."""

    summary = models.CharField(_("summary"), max_length=255, blank=True)
    body = RichTextField(
        _("body"),
        blank=True,
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"],
    )

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("body")]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["home.HomePage", "home.StandardPage"]

    class Meta:
        verbose_name = _("standard page")

from django.db import models
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
    ]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = home_sections(request)
        return context


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

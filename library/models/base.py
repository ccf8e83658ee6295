"""The library's page tree: an index, district sections, and library items.

Every item (tool, guideline, policy, template, case study, podcast episode) is a
:class:`LibraryItem`, so one table answers the index's facets. The district facet comes
from the tree: an item belongs to the section it sits under, so moving a page moves it
between sections and nothing is copied.
"""

from __future__ import annotations

import datetime

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from community.models import Level


class Kind(models.TextChoices):
    TOOL = "tool", _("Tool")
    GUIDELINE = "guideline", _("Guideline")
    POLICY = "policy", _("Policy")
    TEMPLATE = "template", _("Template")
    CASE_STUDY = "case_study", _("Case study")
    PODCAST = "podcast", _("Podcast episode")


RESOURCE_KINDS = [Kind.TOOL, Kind.GUIDELINE, Kind.POLICY, Kind.TEMPLATE]


class Language(models.Model):
    """A language a resource is available in (not only the site's UI languages)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.name


class LibraryPermissionsMixin:
    """Library pages answer "may this user edit or publish here?" from the capability
    map (``library.permissions``), not from Wagtail group grants."""

    def permissions_for_user(self, user):
        from ..permissions import LibraryPagePermissionTester

        return LibraryPagePermissionTester(user, self)


class LibraryIndexPage(LibraryPermissionsMixin, Page):
    """The library: every item below it, with facets, search and pagination."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = [
        "library.LibrarySectionPage",
        "library.ResourcePage",
        "library.CaseStudyPage",
        "library.PodcastShowPage",
        "library.NewsletterArchivePage",
    ]

    class Meta:
        verbose_name = _("library index")

    def get_context(self, request, *args, **kwargs):
        from ..permissions import can_submit_case_study
        from ..selectors import library_listing

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = library_listing(request=request, index=self)
        # Offer "share a case study" only to those who may: a link that ends in
        # "403 Forbidden" is a dead end on a slow connection.
        user = getattr(request, "user", None)
        context["can_share_case_study"] = bool(
            user and user.is_authenticated and can_submit_case_study(user)
        )
        return context


class LibrarySectionPage(LibraryPermissionsMixin, Page):
    """A district's part of the library: its editors work here; a review workflow
    guards it unless the editor is a trusted publisher."""

    organisation = models.ForeignKey(
        "community.Organisation",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="library_sections",
        limit_choices_to={"level": Level.DISTRICT},
    )
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = Page.content_panels + [
        FieldPanel("organisation"),
        FieldPanel("intro"),
    ]
    parent_page_types = ["library.LibraryIndexPage"]
    subpage_types = [
        "library.ResourcePage",
        "library.CaseStudyPage",
        "library.PodcastShowPage",
    ]

    class Meta:
        verbose_name = _("library section")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], name="library_one_section_per_district"
            )
        ]

    def get_context(self, request, *args, **kwargs):
        from ..selectors import library_listing

        context = super().get_context(request, *args, **kwargs)
        index = LibraryIndexPage.objects.ancestor_of(self).first()
        context["listing"] = library_listing(request=request, index=index, section=self)
        return context


class TaggedLibraryItem(TaggedItemBase):
    """Library items share the one taggit vocabulary with threads and events."""

    content_object = ParentalKey(
        "library.LibraryItem", on_delete=models.CASCADE, related_name="tagged_items"
    )


class LibraryItemForm(WagtailAdminPageForm):
    """Offers only the kinds a page type can be (a resource is never a podcast)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("kind")
        allowed = getattr(self._meta.model, "allowed_kinds", None)
        if field is not None and allowed:
            field.choices = [(k.value, k.label) for k in allowed]


class LibraryItem(LibraryPermissionsMixin, Page):
    """What every library item has: what the index filters, lists and searches."""

    kind = models.CharField(
        _("type"), max_length=16, choices=Kind.choices, default=Kind.TOOL, db_index=True
    )
    summary = models.TextField(
        _("summary"),
        max_length=500,
        help_text=_("Two or three sentences: what it is and who it is for."),
    )
    publication_date = models.DateField(
        _("publication date"), default=datetime.date.today, db_index=True
    )
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    languages = ParentalManyToManyField(
        Language, verbose_name=_("languages"), blank=True, related_name="items"
    )
    tags = ClusterTaggableManager(
        through=TaggedLibraryItem, blank=True, verbose_name=_("topics")
    )

    # Subclasses with one kind set it here; the page type then decides the kind.
    fixed_kind: str | None = None
    allowed_kinds: list[str] | None = None
    is_creatable = False
    base_form_class = LibraryItemForm

    summary_panels = [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("publication_date"),
                FieldPanel("last_reviewed"),
                FieldPanel("languages", widget=forms.CheckboxSelectMultiple),
                FieldPanel("tags"),
            ],
            heading=_("Finding it"),
        ),
    ]
    # Read-only syndication through Wagtail's API v2 (the host mounts it).
    api_fields = [
        APIField("kind"),
        APIField("summary"),
        APIField("publication_date"),
        APIField("last_reviewed"),
        APIField("tags"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.AutocompleteField("summary"),
        index.RelatedFields("tags", [index.SearchField("name", boost=2)]),
        index.FilterField("kind"),
        index.FilterField("publication_date"),
    ]

    class Meta:
        verbose_name = _("library item")
        verbose_name_plural = _("library items")

    def __init__(self, *args, **kwargs):
        if not args and self.fixed_kind:
            kwargs.setdefault("kind", self.fixed_kind)
        super().__init__(*args, **kwargs)

    def clean(self):
        if self.fixed_kind:
            self.kind = self.fixed_kind
        super().clean()

    @property
    def year(self) -> int:
        return self.publication_date.year

    def get_context(self, request, *args, **kwargs):
        from ..selectors import item_context

        context = super().get_context(request, *args, **kwargs)
        context.update(item_context(request=request, item=self))
        return context

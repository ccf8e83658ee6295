"""Tools, guidelines, policies and templates."""

from __future__ import annotations

import posixpath

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from ..blocks import ResourceBodyBlock
from .base import RESOURCE_KINDS, Kind, Language, LibraryItem

# What the reader is told before downloading ("PDF, 240 KB").
FILE_TYPES = {
    "pdf": "PDF",
    "docx": "Word",
    "doc": "Word",
    "xlsx": "Excel",
    "xls": "Excel",
    "pptx": "PowerPoint",
    "odt": "OpenDocument text",
    "csv": "CSV",
    "txt": _("Text"),
    "mp3": "MP3",
    "ogg": "Ogg",
    "m4a": "M4A",
    "wav": "WAV",
}


def file_type_label(filename: str) -> str:
    extension = posixpath.splitext(filename)[1].lstrip(".").lower()
    return str(FILE_TYPES.get(extension, extension.upper() or _("File")))


class ResourcePage(LibraryItem):
    body = StreamField(ResourceBodyBlock(), blank=True, verbose_name=_("body"))

    allowed_kinds = RESOURCE_KINDS
    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        *LibraryItem.summary_panels,
        FieldPanel("body"),
        InlinePanel("attachments", label=_("Attachments")),
        InlinePanel("links", label=_("External links")),
    ]
    search_fields = LibraryItem.search_fields + [index.SearchField("body")]
    parent_page_types = ["library.LibraryIndexPage", "library.LibrarySectionPage"]
    subpage_types: list[str] = []
    template = "library/resource_page.html"

    class Meta:
        verbose_name = _("resource (tool, guideline, policy, template)")
        verbose_name_plural = _("resources")

    def clean(self):
        if self.kind not in RESOURCE_KINDS:
            self.kind = Kind.TOOL
        super().clean()


class ResourceAttachment(Orderable):
    """A file to download, served through Wagtail's document view (never straight
    from media), so a restricted collection keeps drafts private."""

    page = ParentalKey(
        ResourcePage, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("file"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField(
        _("label"),
        max_length=160,
        blank=True,
        help_text=_("Empty: the document's title."),
    )
    language = models.ForeignKey(
        Language,
        verbose_name=_("language"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [FieldPanel("document"), FieldPanel("label"), FieldPanel("language")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")

    @property
    def title(self) -> str:
        return self.label or self.document.title

    @property
    def file_type(self) -> str:
        return file_type_label(self.document.filename)

    @property
    def size(self) -> int | None:
        return self.document.file_size


class ResourceLink(Orderable):
    page = ParentalKey(ResourcePage, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(_("address"))
    title = models.CharField(_("title"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=120, blank=True)

    panels = [FieldPanel("title"), FieldPanel("url"), FieldPanel("publisher")]

    class Meta(Orderable.Meta):
        verbose_name = _("external link")

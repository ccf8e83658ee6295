"""Podcasts: a show and its episodes. Each episode has a transcript (required to
publish: accessibility, and for listeners who cannot afford the audio)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .base import Kind, LibraryItem, LibraryItemForm, LibraryPermissionsMixin


def _has_text(markup: str) -> bool:
    return bool(strip_tags(markup or "").strip())


class EpisodeForm(LibraryItemForm):
    """An emptied rich-text editor still sends markup (``<p></p>``): a transcript
    counts only if it has words, and it must have some to publish."""

    def clean(self):
        cleaned = super().clean()
        if not _has_text(cleaned.get("transcript", "")):
            cleaned["transcript"] = ""
            if not self.is_deferred_validation and "transcript" not in self.errors:
                self.add_error(
                    "transcript", _("Add the transcript before publishing the episode.")
                )
        return cleaned

    def _post_clean(self):
        # The form has judged the transcript for the button pressed (draft or
        # publish); the model's own check is for publishing outside the admin.
        self.instance._transcript_checked = True
        try:
            super()._post_clean()
        finally:
            del self.instance._transcript_checked


class ItunesCategory(models.TextChoices):
    # Apple's list: "Category" or "Category/Subcategory".
    MEDICINE = "Health & Fitness/Medicine", _("Health & Fitness › Medicine")
    HEALTH = "Health & Fitness", _("Health & Fitness")
    EDUCATION = "Education", _("Education")
    SCIENCE = "Science", _("Science")


class EpisodeType(models.TextChoices):
    FULL = "full", _("Full episode")
    TRAILER = "trailer", _("Trailer")
    BONUS = "bonus", _("Bonus")


class PodcastShowPage(LibraryPermissionsMixin, RoutablePageMixin, Page):
    description = models.TextField(_("description"), max_length=4000)
    author = models.CharField(_("author"), max_length=120)
    owner_name = models.CharField(_("owner name"), max_length=120, blank=True)
    owner_email = models.EmailField(_("owner email"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover art"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Square, 1400–3000 pixels, as podcast apps require."),
    )
    category = models.CharField(
        _("category"),
        max_length=80,
        choices=ItunesCategory.choices,
        default=ItunesCategory.MEDICINE,
    )
    explicit = models.BooleanField(_("explicit"), default=False)
    language = models.CharField(_("language"), max_length=12, default="en")
    copyright = models.CharField(_("copyright"), max_length=200, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("description"),
        FieldPanel("image"),
        MultiFieldPanel(
            [
                FieldPanel("author"),
                FieldPanel("owner_name"),
                FieldPanel("owner_email"),
                FieldPanel("category"),
                FieldPanel("explicit"),
                FieldPanel("language"),
                FieldPanel("copyright"),
            ],
            heading=_("Podcast apps"),
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("description")]
    parent_page_types = ["library.LibraryIndexPage", "library.LibrarySectionPage"]
    subpage_types = ["library.PodcastEpisodePage"]
    template = "library/podcast_show_page.html"

    class Meta:
        verbose_name = _("podcast")
        verbose_name_plural = _("podcasts")

    def episodes(self):
        return (
            PodcastEpisodePage.objects.live()
            .public()
            .child_of(self)
            .select_related("audio", "audio_low")
            .order_by("-publication_date", "-pk")
        )

    @path("")
    def show(self, request):
        return self.render(request, context_overrides={"episodes": self.episodes()})

    @path("feed/", name="feed")
    def feed(self, request):
        from ..feeds import podcast_feed_response

        return podcast_feed_response(request, self)

    def feed_url(self) -> str:
        return self.url + self.reverse_subpage("feed")


def read_duration(document) -> int:
    """Seconds of audio in a Wagtail document, read from the file itself."""
    import mutagen

    try:
        with document.open_file() as handle:
            audio = mutagen.File(handle)
    except (mutagen.MutagenError, OSError):
        audio = None
    if audio is None or not getattr(audio, "info", None) or not audio.info.length:
        raise ValidationError(_("This file is not audio we can read."))
    return round(audio.info.length)


class PodcastEpisodePage(LibraryItem):
    audio = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("audio file"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    audio_low = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("low-bitrate audio"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A smaller file for listeners on costly connections."),
    )
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), null=True, editable=False
    )
    transcript = RichTextField(
        _("transcript"),
        features=["bold", "italic", "link", "h3"],
        help_text=_(
            "Required to publish: deaf listeners, and listeners who cannot "
            "afford to download audio, read it instead."
        ),
    )
    show_notes = RichTextField(
        _("show notes"), blank=True, features=["bold", "italic", "link", "ul", "ol"]
    )
    episode_number = models.PositiveIntegerField(
        _("episode number"), null=True, blank=True
    )
    episode_type = models.CharField(
        _("episode type"),
        max_length=10,
        choices=EpisodeType.choices,
        default=EpisodeType.FULL,
    )
    explicit = models.BooleanField(_("explicit"), default=False)
    guid = models.CharField(
        max_length=64, default=uuid.uuid4, editable=False, unique=True
    )

    fixed_kind = Kind.PODCAST
    base_form_class = EpisodeForm
    content_panels = Page.content_panels + [
        *LibraryItem.summary_panels,
        MultiFieldPanel(
            [
                FieldPanel("audio"),
                FieldPanel("audio_low"),
                FieldPanel("episode_number"),
                FieldPanel("episode_type"),
                FieldPanel("explicit"),
            ],
            heading=_("Audio"),
        ),
        FieldPanel("show_notes"),
        FieldPanel("transcript"),
    ]
    search_fields = LibraryItem.search_fields + [
        index.SearchField("transcript"),
        index.SearchField("show_notes"),
    ]
    parent_page_types = ["library.PodcastShowPage"]
    subpage_types: list[str] = []
    template = "library/podcast_episode_page.html"

    class Meta:
        verbose_name = _("podcast episode")
        verbose_name_plural = _("podcast episodes")

    def clean(self):
        super().clean()
        errors = {}
        if not _has_text(self.transcript):
            self.transcript = ""
            if self.live and not getattr(self, "_transcript_checked", False):
                errors["transcript"] = _(
                    "Add the transcript before publishing the episode."
                )
        for field in ("audio", "audio_low"):
            document = getattr(self, field)
            if document is None:
                if field == "audio":
                    self.duration_seconds = None
                continue
            if not _is_audio(document.filename):
                errors[field] = _("Choose an audio file (MP3, M4A, Ogg or WAV).")
                continue
            try:
                seconds = read_duration(document)
            except ValidationError as error:
                errors[field] = error.messages
                continue
            if field == "audio":
                self.duration_seconds = seconds
        if errors:
            raise ValidationError(errors)

    @property
    def show(self) -> PodcastShowPage | None:
        return PodcastShowPage.objects.filter(pk=self.get_parent().pk).first()

    @property
    def duration_display(self) -> str:
        seconds = self.duration_seconds or 0
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{seconds:02d}"
        return f"{minutes}:{seconds:02d}"


def _is_audio(filename: str) -> bool:
    from ..conf import setting

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return extension in setting("AUDIO_EXTENSIONS")

"""Learning needs, their supporters and answers; external feeds and their items; the
global developments and partner countries pages.

A need is supported once per facility: a member's support counts for their facility
(a member without one counts for themselves). Pages and feeds show counts only, never
who supported; the rows keep the people only so that an answer reaches them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from community.models import Organisation

# --- Learning needs --------------------------------------------------------------------


class NeedState(models.TextChoices):
    NEW = "new", _("New")
    PLANNED = "planned", _("Planned")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATES = (NeedState.NEW, NeedState.PLANNED)

# Triage moves a need forward; "answered" is reached by adding an answer.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NeedState.NEW: (NeedState.PLANNED, NeedState.DECLINED, NeedState.DUPLICATE),
    NeedState.PLANNED: (NeedState.NEW, NeedState.DECLINED, NeedState.DUPLICATE),
    NeedState.ANSWERED: (NeedState.PLANNED,),
    NeedState.DECLINED: (NeedState.NEW,),
    NeedState.DUPLICATE: (NeedState.NEW,),
}


class AnswerKind(models.TextChoices):
    WEBINAR = "webinar", _("Webinar or event")
    RESOURCE = "resource", _("Library resource")
    CASE_STUDY = "case_study", _("Case study")
    THREAD = "thread", _("Forum discussion")
    OTHER = "other", _("Other page")


class TaggedNeed(TaggedItemBase):
    """Needs share the one taggit vocabulary with threads, resources and events."""

    content_object = models.ForeignKey(
        "connect.LearningNeed", on_delete=models.CASCADE, related_name="tagged_items"
    )


class LearningNeedQuerySet(models.QuerySet):
    def visible_to(self, user) -> LearningNeedQuerySet:
        from .permissions import needs_visible_to

        return needs_visible_to(user, self)

    def open(self) -> LearningNeedQuerySet:
        return self.filter(state__in=OPEN_STATES)


class LearningNeed(models.Model):
    """ "We need help with X": raised by a member, for themselves or their facility or
    district. The author is never shown; the organisation it is raised for is."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), max_length=4000, help_text=_("Markdown.")
    )
    description_html = models.TextField(editable=False, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("raised for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learning_needs",
        help_text=_("The facility or district the need is raised for, if any."),
    )
    # The district the need comes from (for counts and the heat map).
    district = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=NeedState.choices, default=NeedState.NEW
    )
    state_note = models.CharField(
        _("note from the national team"), max_length=500, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Facilities (and members without one) that need this too, the raiser included.
    support_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    tags = TaggableManager(through=TaggedNeed, blank=True, verbose_name=_("tags"))

    objects = LearningNeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "-support_count"], name="connect_need_rank")
        ]
        verbose_name = _("learning need")
        verbose_name_plural = _("learning needs")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("connect:need", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class NeedSupport(models.Model):
    """One member saying "we need this too". Counted once per facility; the people
    are kept only to notify them, and no page, feed or email lists them."""

    need = models.ForeignKey(
        LearningNeed, on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    facility = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    district = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["need", "user"], name="connect_one_support_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"support #{self.pk}"


class NeedAnswer(models.Model):
    """What the national team made in answer: a link to a page on this site, and the
    object behind it when known (an event, a library page, a thread)."""

    need = models.ForeignKey(
        LearningNeed, on_delete=models.CASCADE, related_name="answers"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AnswerKind.choices)
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link on this site"), max_length=500)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    note = models.CharField(_("note"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.title


class NoticeKind(models.TextChoices):
    ANSWERED = "answered", _("A need you support was answered")
    PLANNED = "planned", _("A need you support is planned")


class NeedNotice(models.Model):
    """An in-app notice to a supporter (and the email sent for it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    need = models.ForeignKey(
        LearningNeed, on_delete=models.CASCADE, related_name="notices"
    )
    answer = models.ForeignKey(
        NeedAnswer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="connect_notice_unread")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on need {self.need_id}"


# --- External feeds --------------------------------------------------------------------


class FeedKind(models.TextChoices):
    GLOBAL = "global", _("Global developments")
    PARTNER = "partner", _("Partner country learning centre")


class FeedStatus(models.TextChoices):
    NEVER = "never", _("Not fetched yet")
    OK = "ok", _("OK")
    ERROR = "error", _("Error")


class ExternalFeed(models.Model):
    """An RSS or Atom feed an editor adds; a periodic task fetches it."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(
        _("feed address"),
        max_length=500,
        help_text=_("The RSS or Atom address (http or https)."),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=FeedKind.choices, default=FeedKind.GLOBAL
    )
    country = models.CharField(
        _("country"),
        max_length=120,
        blank=True,
        help_text=_("Partner learning centres: their country."),
    )
    website = models.URLField(_("website"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)
    status = models.CharField(
        _("status"), max_length=8, choices=FeedStatus.choices, default=FeedStatus.NEVER
    )
    status_message = models.CharField(_("message"), max_length=300, blank=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_ok_at = models.DateTimeField(
        _("last fetched without error"), null=True, blank=True
    )
    item_count = models.PositiveIntegerField(_("items"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("url"),
        FieldPanel("kind"),
        FieldPanel("country"),
        FieldPanel("website"),
        FieldPanel("active"),
    ]

    class Meta:
        ordering = ["kind", "country", "name"]
        verbose_name = _("external feed")
        verbose_name_plural = _("external feeds")

    def __str__(self) -> str:
        return self.name


class FeedItem(models.Model):
    """One entry of an external feed: plain-text title, sanitised summary, a link."""

    feed = models.ForeignKey(
        ExternalFeed, on_delete=models.CASCADE, related_name="items"
    )
    guid = models.CharField(max_length=500)
    title = models.CharField(max_length=300)
    link = models.URLField(max_length=1000, blank=True)
    summary_html = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "guid"], name="connect_item_once")
        ]

    def __str__(self) -> str:
        return self.title


class GlobalDevelopmentsPage(Page):
    """What is happening in quality of care elsewhere, from feeds editors choose."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("global developments page")

    def get_context(self, request, *args, **kwargs):
        from .selectors import feed_items

        context = super().get_context(request, *args, **kwargs)
        context["feeds"] = list(
            ExternalFeed.objects.filter(active=True, kind=FeedKind.GLOBAL)
        )
        context["items"] = feed_items(kind=FeedKind.GLOBAL, limit=40)
        return context


class PartnerCountriesPage(Page):
    """Learning centres in other countries, with what they publish."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types: list[str] = []
    max_count = 1

    class Meta:
        verbose_name = _("partner countries page")

    def get_context(self, request, *args, **kwargs):
        from .selectors import partner_feeds

        context = super().get_context(request, *args, **kwargs)
        context["partners"] = partner_feeds(items_per_feed=5)
        return context


# Learning-needs surveys: imported here so they belong to this app.
from .surveys.models import (  # noqa: E402, F401
    Survey,
    SurveyAnswer,
    SurveyChoice,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyState,
)

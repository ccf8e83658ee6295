"""Events, registrations and webinar questions (owned here); exchange visits and
learning reports live in ``events.visits.models`` and are imported at the bottom.

Times are stored in UTC; ``Event.timezone`` is the zone the organiser entered them in
and the zone noted beside every time shown. Writes go through ``events.services``.
"""

from __future__ import annotations

import datetime
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone as djtz
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.documents import get_document_model_string

from community.models import Organisation, validate_timezone


class EventKind(models.TextChoices):
    WEBINAR = "webinar", _("Webinar")
    COLLABORATIVE = "collaborative", _("District collaborative meeting")
    LEARNING_SESSION = "learning_session", _("Facility learning session")
    EXCHANGE_VISIT = "exchange_visit", _("Exchange visit")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can see it")
    MEMBERS = "members", _("Members: signed-in members can see it")
    ORGANISATION = "organisation", _("Organisation: members of the organiser")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class TaggedEvent(TaggedItemBase):
    """Events share the one taggit vocabulary with the library and the forums."""

    content_object = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="tagged_items"
    )


class EventQuerySet(models.QuerySet):
    def visible_to(self, user) -> EventQuerySet:
        from .permissions import visible_events_filter

        return self.filter(visible_events_filter(user))

    def upcoming(self, now: datetime.datetime | None = None) -> EventQuerySet:
        """Not yet finished (a session in progress is still "upcoming")."""
        return self.filter(ends_at__gt=now or djtz.now()).order_by("starts_at", "pk")

    def past(self, now: datetime.datetime | None = None) -> EventQuerySet:
        return self.filter(ends_at__lte=now or djtz.now()).order_by("-starts_at", "-pk")


class Event(models.Model):
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    # A ward's or unit's own session (its huddle, its audit review): shown on the
    # department's page. Empty: the whole organiser's.
    department = models.ForeignKey(
        "community.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, max_length=10000, help_text=_("Markdown.")
    )
    description_html = models.TextField(blank=True, editable=False)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("The zone the start and end are given in, e.g. Africa/Kigali."),
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(
        _("online join link"),
        blank=True,
        help_text=_("Shown to registered people from 30 minutes before the start."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit. When full, people join a waiting list."),
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    tags = TaggableManager(through=TaggedEvent, blank=True, verbose_name=_("tags"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    allow_anonymous_questions = models.BooleanField(
        _("anonymous questions allowed"), default=False
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EventStatus.choices,
        default=EventStatus.SCHEDULED,
    )
    # iCal SEQUENCE: bumped by the services on every change calendars must see.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    uid = models.CharField(max_length=64, unique=True, editable=False)
    room = models.OneToOneField(
        "forums.Room",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event",
    )
    recording_url = models.URLField(_("recording link"), blank=True)
    slides_url = models.URLField(_("slides link"), blank=True)
    slides_document = models.ForeignKey(
        get_document_model_string(),
        verbose_name=_("slides"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The library resource the recording and slides were proposed as (a draft until
    # an editor publishes it; the event links to it once it is live).
    library_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["ends_at", "starts_at"], name="events_upcoming"),
            models.Index(fields=["organiser", "starts_at"], name="events_organiser"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="events_ends_after_start",
            )
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.uid:
            self.uid = secrets.token_hex(16)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_online(self) -> bool:
        return self.kind == EventKind.WEBINAR or bool(self.online_url)

    def has_ended(self, now: datetime.datetime | None = None) -> bool:
        return (now or djtz.now()) >= self.ends_at

    def is_live(self, now: datetime.datetime | None = None) -> bool:
        now = now or djtz.now()
        return self.starts_at <= now < self.ends_at


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    """One person's place at an event. ``facility`` is where they worked when they
    registered: attendance counts per facility (cadence), never per person."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    facility = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_registrations",
    )
    status = models.CharField(
        max_length=16,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    # Waiting-list order (smaller first); empty unless waitlisted.
    position = models.PositiveIntegerField(null=True, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    # The start time each reminder was sent for: a retried task never sends twice,
    # and a rescheduled event gets fresh reminders.
    reminded_24h_for = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_1h_for = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"], name="events_unique_registration"
            )
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="events_reg_status"),
        ]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.event_id}:{self.user_id} {self.status}"

    @property
    def is_registered(self) -> bool:
        return self.status == RegistrationStatus.REGISTERED

    @property
    def is_waitlisted(self) -> bool:
        return self.status == RegistrationStatus.WAITLISTED


class Question(models.Model):
    """A webinar question. The author is kept for moderation and never shown when
    ``anonymous``: pages and JSON use :attr:`byline`."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    anonymous = models.BooleanField(_("ask anonymously"), default=False)
    body = models.TextField(_("question"), max_length=1000)
    body_html = models.TextField(editable=False)
    vote_count = models.PositiveIntegerField(default=0, editable=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text=_("Hidden by a host."))
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-vote_count", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return f"{self.event_id}:{self.pk}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def byline(self) -> str:
        if self.anonymous or self.author is None:
            return str(_("Anonymous participant"))
        profile = getattr(self.author, "profile", None)
        return profile.public_name if profile else str(_("Member"))


class QuestionVote(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "user"], name="events_one_vote_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}:{self.user_id}"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in a member's personal calendar feed URL. Regenerating it revokes
    the old address; deleting it turns the feed off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"


# Exchange visits and learning reports: imported here so they belong to this app.
from .visits.models import (  # noqa: E402, F401
    CadenceInvite,
    ExchangeVisit,
    LearningReport,
    ReportComment,
    ReportPhoto,
    VisitAction,
    VisitNotice,
    VisitState,
    VisitTransition,
)

"""Exchange visits and their learning reports.

A visit moves through the states of :class:`VisitState`; the moves themselves (who may
make which, from where to where) live in one table in ``events.visits.states``. Every
move is kept as a :class:`VisitTransition`, which is the visit's timeline.

Imported by name at the bottom of ``events.models``, so the models belong to the
``events`` app; ``Event`` is referred to by label.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.models import Level, validate_timezone

PHOTO_MAX_BYTES = 3 * 1024 * 1024
PHOTO_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]


class VisitState(models.TextChoices):
    PAIRING_PROPOSED = "pairing_proposed", _("Pairing proposed by the district")
    REQUESTED = "requested", _("Requested")
    COUNTER_PROPOSED = "counter_proposed", _("Other dates proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Visit done")
    REPORTED = "reported", _("Learning report published")


class VisitAction(models.TextChoices):
    PAIR = "pair", _("proposed a pairing")
    REQUEST = "request", _("requested the visit")
    AGREE = "agree", _("agreed to the pairing")
    ACCEPT = "accept", _("accepted")
    DECLINE = "decline", _("declined")
    COUNTER = "counter", _("proposed other dates")
    CANCEL = "cancel", _("cancelled")
    COMPLETE = "complete", _("marked the visit as done")
    REPORT = "report", _("published the learning report")


def validate_photo_size(file) -> None:
    if file.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            _("A photo may be at most %(mb)s MB."),
            params={"mb": PHOTO_MAX_BYTES // (1024 * 1024)},
        )


class ExchangeVisitQuerySet(models.QuerySet):
    def involving(self, organisation) -> ExchangeVisitQuerySet:
        return self.filter(
            models.Q(visiting=organisation) | models.Q(host=organisation)
        )


class ExchangeVisit(models.Model):
    """One facility's team visiting another to see how it does something."""

    visiting = models.ForeignKey(
        "community.Organisation",
        verbose_name=_("visiting facility"),
        on_delete=models.PROTECT,
        related_name="exchange_visits_made",
        limit_choices_to={"level": Level.FACILITY},
    )
    host = models.ForeignKey(
        "community.Organisation",
        verbose_name=_("host facility"),
        on_delete=models.PROTECT,
        related_name="exchange_visits_hosted",
        limit_choices_to={"level": Level.FACILITY},
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A district lead or coach paired the two facilities (rather than one asking).
    by_district = models.BooleanField(default=False)
    objectives = models.TextField(
        _("learning objectives"),
        max_length=2000,
        help_text=_(
            "What you want to learn, e.g. “how you cut waiting time in labour ward”."
        ),
    )
    state = models.CharField(
        max_length=20, choices=VisitState.choices, default=VisitState.REQUESTED
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    # The host-side person who agreed to the dates: the confirmed event's organiser.
    dates_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.OneToOneField(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exchange_visit",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ExchangeVisitQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("exchange visit")
        verbose_name_plural = _("exchange visits")
        indexes = [models.Index(fields=["state"], name="events_visit_state")]

    def __str__(self) -> str:
        return _("%(visiting)s visits %(host)s") % {
            "visiting": self.visiting,
            "host": self.host,
        }

    def get_absolute_url(self) -> str:
        return reverse("events:visit_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.visiting_id and self.visiting_id == self.host_id:
            errors["host"] = _("A facility does not visit itself.")
        for name in ("visiting", "host"):
            org = getattr(self, name, None) if getattr(self, f"{name}_id") else None
            if org is not None and org.level != Level.FACILITY:
                errors[name] = _("Choose a facility.")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The visit must end after it starts.")
        if errors:
            raise ValidationError(errors)


class VisitTransition(models.Model):
    """One move of a visit: its timeline, and who was told."""

    visit = models.ForeignKey(
        ExchangeVisit, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(max_length=16, choices=VisitAction.choices)
    from_state = models.CharField(max_length=20, choices=VisitState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=VisitState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The organisation the actor acted for (visiting, host or district).
    on_behalf_of = models.ForeignKey(
        "community.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(blank=True, max_length=2000)
    # Dates proposed with this move (a request or a counter-proposal).
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.from_state} → {self.to_state}"

    @property
    def timezone(self) -> str:
        """The visit's zone, so the proposed dates show like any event's."""
        return self.visit.timezone


class LearningReport(models.Model):
    """What the visiting team saw and will try; the host may comment."""

    visit = models.OneToOneField(
        ExchangeVisit, on_delete=models.CASCADE, related_name="report"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    saw = models.TextField(_("what we saw"), max_length=8000)
    will_try = models.TextField(_("what we will try"), max_length=8000)
    contacts = models.TextField(
        _("contacts"),
        max_length=1000,
        blank=True,
        help_text=_("Who to ask at the host facility (with their agreement)."),
    )
    saw_html = models.TextField(editable=False, blank=True)
    will_try_html = models.TextField(editable=False, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    shared_thread = models.ForeignKey(
        "forums.Thread",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The library draft it was proposed as (a case study waiting for review).
    library_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(_("Learning report: %(visit)s") % {"visit": self.visit})

    def get_absolute_url(self) -> str:
        return reverse("events:visit_detail", args=[self.visit_id]) + "#report"


class ReportPhoto(models.Model):
    report = models.ForeignKey(
        LearningReport, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        upload_to="events/visits/%Y/%m/",
        width_field="width",
        height_field="height",
        validators=[
            FileExtensionValidator(PHOTO_EXTENSIONS),
            validate_photo_size,
        ],
    )
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt = models.CharField(
        _("description of the photo"),
        max_length=200,
        help_text=_("For people who cannot see it. No patients in photos."),
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.alt

    @property
    def file_size(self) -> int | None:
        """The stored file's size in bytes (data saver shows it before the tap), or
        ``None`` when the storage cannot say: a lost file costs its size, not the
        page."""
        try:
            return self.image.size
        except (OSError, ValueError):
            return None


class ReportComment(models.Model):
    report = models.ForeignKey(
        LearningReport, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("comment"), max_length=4000)
    body_html = models.TextField(editable=False, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on report {self.report_id}"


class CadenceInvite(models.Model):
    """A district's "come to our next collaborative" to a facility that is overdue.

    Per facility: it goes to the facility's leads, and records no person's attendance.
    """

    facility = models.ForeignKey(
        "community.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    district = models.ForeignKey(
        "community.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    # The collaborative they are invited to; empty when none was scheduled.
    event = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"invite {self.pk}: facility {self.facility_id}"


class VisitNotice(models.Model):
    """An in-app notice to one person about a visit or an invitation (emailed too)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_notices"
    )
    visit = models.ForeignKey(
        ExchangeVisit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    invite = models.ForeignKey(
        CadenceInvite,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    transition = models.ForeignKey(
        VisitTransition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    # "comment" or "invite" when not a transition (a host comment, a cadence invite).
    kind = models.CharField(max_length=16, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="events_vnotice_unread")
        ]

    def __str__(self) -> str:
        return f"notice {self.pk} to {self.user_id}"

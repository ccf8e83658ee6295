"""Indicators, facility measurements, QI projects with their change ideas and PDSA
cycles, CSV imports, and the public improvement-story pages.

Writes go through :mod:`improvement.services`; ``clean()`` holds the invariants so that
forms, the CSV import and the admin all refuse the same things with the same words.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page
from wagtail.search import index

from community.models import Level, Organisation


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def current_month() -> datetime.date:
    return month_start(timezone.localdate())


def month_label(month: datetime.date) -> str:
    return date_format(month, "F Y")


class Direction(models.TextChoices):
    HIGHER = "higher_is_better", _("Higher is better")
    LOWER = "lower_is_better", _("Lower is better")


class IndicatorQuerySet(models.QuerySet):
    def active(self) -> IndicatorQuerySet:
        return self.filter(active=True)


class Indicator(models.Model):
    """An entry of the national catalogue: what is counted and how it is read."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("Short and stable, used in CSV imports, e.g. MNH-03."),
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    definition = models.TextField(_("definition"))
    numerator = models.TextField(_("numerator"))
    denominator = models.TextField(_("denominator"))
    unit = models.CharField(
        _("unit"), max_length=60, help_text=_("e.g. percent, per 1000 live births.")
    )
    multiplier = models.PositiveIntegerField(
        _("multiplier"),
        default=100,
        help_text=_(
            "The value is numerator ÷ denominator × this: 100 for a percentage, "
            "1000 for a rate per 1,000."
        ),
    )
    direction = models.CharField(
        _("direction of improvement"), max_length=20, choices=Direction.choices
    )
    category = models.CharField(_("category"), max_length=60, blank=True)
    source = models.TextField(
        _("data source"), help_text=_("Where the definition comes from.")
    )
    active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("Retired indicators keep their data but take no new entries."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:indicator", args=[self.code])

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER

    @property
    def is_percentage(self) -> bool:
        return self.multiplier == 100

    def value_of(self, numerator: int, denominator: int) -> float | None:
        if not denominator:
            return None
        return numerator / denominator * self.multiplier

    def format_value(self, value: float | None) -> str:
        """For people, in the reader's language ("60.6%", "60,6 %"). Never for
        drawing: chart coordinates are written without the locale."""
        if value is None:
            return "—"
        text = number_format(value, decimal_pos=1, use_l10n=True)
        if not self.is_percentage:
            return text
        # Translators: a percentage; French puts a narrow no-break space before %.
        return gettext("%(value)s%%") % {"value": text}


class Source(models.TextChoices):
    FORM = "form", _("Entered in a form")
    IMPORT = "import", _("Imported from CSV")
    DEMO = "demo", _("Demo data")


class Measurement(models.Model):
    """One month of one indicator at one facility."""

    facility = models.ForeignKey(
        Organisation,
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="measurements",
        limit_choices_to={"level": Level.FACILITY},
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="measurements",
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    numerator = models.PositiveIntegerField(_("numerator"))
    denominator = models.PositiveIntegerField(_("denominator"))
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.FORM
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["facility", "indicator", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "indicator", "period"],
                name="one_measurement_a_month",
            ),
            models.CheckConstraint(
                condition=models.Q(numerator__lte=models.F("denominator")),
                name="numerator_within_denominator",
            ),
        ]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.facility} · {self.indicator.code} · {self.period:%Y-%m}"

    @property
    def value(self) -> float | None:
        return self.indicator.value_of(self.numerator, self.denominator)

    def clean(self) -> None:
        errors = measurement_errors(
            period=self.period,
            numerator=self.numerator,
            denominator=self.denominator,
        )
        if self.facility_id and self.facility.level != Level.FACILITY:
            errors["facility"] = _("Data are entered for facilities only.")
        if errors:
            raise ValidationError(errors)


def measurement_errors(
    *, period: datetime.date | None, numerator: int | None, denominator: int | None
) -> dict[str, str]:
    """The reasons a month's numbers are refused, by field (empty when they are fine).

    Shared by the entry form, the model and the CSV import so each says the same.
    """
    errors: dict[str, str] = {}
    if period is not None:
        if period.day != 1:
            errors["period"] = _("Give a month, not a day.")
        elif period > current_month():
            errors["period"] = _(
                "%(month)s has not happened yet: enter data only for past months "
                "or this month."
            ) % {"month": month_label(period)}
    if numerator is not None and numerator < 0:
        errors["numerator"] = _("The numerator cannot be negative.")
    if denominator is not None and denominator < 0:
        errors["denominator"] = _("The denominator cannot be negative.")
    if (
        numerator is not None
        and denominator is not None
        and numerator >= 0
        and denominator >= 0
        and numerator > denominator
    ):
        errors["denominator"] = _(
            "The denominator (%(d)s) must be at least the numerator (%(n)s): the "
            "numerator counts some of the cases the denominator counts."
        ) % {"d": denominator, "n": numerator}
    return errors


# --- QI projects ---------------------------------------------------------------------


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        from .permissions import projects_visible_to

        return projects_visible_to(user, self)


class Project(models.Model):
    """A facility's improvement project: an aim, a team, indicators and change ideas."""

    facility = models.ForeignKey(
        Organisation,
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="qi_projects",
        limit_choices_to={"level": Level.FACILITY},
    )
    # The ward or unit the project is run in (empty: the whole facility).
    department = models.ForeignKey(
        "community.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qi_projects",
        help_text=_("The ward or unit it runs in; empty for the whole facility."),
    )
    title = models.CharField(_("title"), max_length=200)
    aim_what = models.TextField(
        _("aim: what will improve"),
        help_text=_("e.g. Every woman receives oxytocin within one minute of birth."),
    )
    aim_how_much = models.CharField(
        _("aim: by how much"), max_length=200, help_text=_("e.g. from 60% to 90%.")
    )
    aim_by_when = models.DateField(_("aim: by when"))
    background = models.TextField(
        _("background"), blank=True, help_text=_("Markdown. Why this, why now.")
    )
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("indicators tracked"), related_name="projects"
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team"),
        related_name="qi_projects",
        blank=True,
    )
    team_note = models.CharField(
        _("other team members"),
        max_length=300,
        blank=True,
        help_text=_("People on the team who are not members here, by role."),
    )
    shared = models.BooleanField(
        _("shared with all members"),
        default=False,
        help_text=_(
            "Unshared projects are seen by the facility, its district lead and "
            "coaches, and the national team."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("QI project")
        verbose_name_plural = _("QI projects")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("improvement:project", args=[self.pk])

    def clean(self) -> None:
        if self.facility_id and self.facility.level != Level.FACILITY:
            raise ValidationError({"facility": _("Projects belong to a facility.")})
        if self.department_id and self.department.facility_id != self.facility_id:
            raise ValidationError(
                {"department": _("Choose a department of the project's facility.")}
            )


class ChangeState(models.TextChoices):
    TESTING = "testing", _("Being tested")
    ADOPTED = "adopted", _("Adopted")
    ADAPTED = "adapted", _("Adapted")
    ABANDONED = "abandoned", _("Abandoned")


class ChangeIdea(models.Model):
    """Something the team tries. Its state is its latest decided PDSA cycle's act."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="change_ideas"
    )
    title = models.CharField(_("change idea"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown.")
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=ChangeState.choices,
        default=ChangeState.TESTING,
        editable=False,
    )
    state_reason = models.TextField(_("why"), blank=True, editable=False)
    # The idea another department of the facility tried first, when this one is its
    # spread (``services.change_idea_spread``): how a labour ward's success reaches
    # the newborn unit, and how the facility page follows it.
    spread_from = models.ForeignKey(
        "self",
        verbose_name=_("spread from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="spreads",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("change idea")
        verbose_name_plural = _("change ideas")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.project.get_absolute_url()}#change-{self.pk}"


class Act(models.TextChoices):
    ADOPT = "adopt", _("Adopt")
    ADAPT = "adapt", _("Adapt")
    ABANDON = "abandon", _("Abandon")


ACT_STATE = {
    Act.ADOPT: ChangeState.ADOPTED,
    Act.ADAPT: ChangeState.ADAPTED,
    Act.ABANDON: ChangeState.ABANDONED,
}


class PDSACycle(models.Model):
    """Plan (with a prediction), do, study (with results), act (with a reason)."""

    change_idea = models.ForeignKey(
        ChangeIdea, on_delete=models.CASCADE, related_name="cycles"
    )
    number = models.PositiveSmallIntegerField(_("cycle"))
    plan = models.TextField(_("plan"), help_text=_("What, who, where, when."))
    prediction = models.TextField(_("prediction"), help_text=_("What we expect."))
    started_on = models.DateField(_("started on"))
    do_notes = models.TextField(
        _("do"), blank=True, help_text=_("What happened; problems and surprises.")
    )
    study = models.TextField(
        _("study"), blank=True, help_text=_("Results compared with the prediction.")
    )
    act = models.CharField(_("act"), max_length=8, choices=Act.choices, blank=True)
    act_reason = models.TextField(_("reason"), blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["change_idea", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_idea", "number"], name="one_number_per_cycle"
            )
        ]
        verbose_name = _("PDSA cycle")
        verbose_name_plural = _("PDSA cycles")

    def __str__(self) -> str:
        return f"{self.change_idea} · PDSA {self.number}"

    def clean(self) -> None:
        errors = {}
        if self.started_on and self.started_on > timezone.localdate():
            errors["started_on"] = _("A cycle is recorded once it has started.")
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = _("A cycle ends after it starts.")
        if self.act and not self.study.strip():
            errors["study"] = _("Say what you learned before deciding what to do next.")
        if self.act and not self.act_reason.strip():
            errors["act_reason"] = _(
                "Say why you chose to adopt, adapt or abandon: it is what others "
                "learn from."
            )
        if errors:
            raise ValidationError(errors)


# --- CSV imports ------------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """A CSV file of measurements, checked (dry run) or imported in the background.

    The file's text is kept on the row so a worker on another machine can read it.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    content = models.TextField()
    dry_run = models.BooleanField(default=True)
    preview_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("measurement import")
        verbose_name_plural = _("measurement imports")

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("improvement:import_status", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.FAILED}

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.finished else 0
        return int(Decimal(self.processed_rows * 100) / self.total_rows)

    @property
    def valid_count(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count


# --- Public improvement stories (Wagtail pages) --------------------------------------


class StoriesIndexPage(Page):
    """All facilities' improvement stories; one per site."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["improvement.FacilityStoriesPage"]
    max_count = 1

    class Meta:
        verbose_name = _("improvement stories index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["stories"] = (
            StoryPage.objects.live()
            .public()
            .descendant_of(self)
            .select_related("facility")
            .order_by("-first_published_at")[:50]
        )
        return context


class FacilityStoriesPage(Page):
    """A facility's section of the stories: where its lead publishes."""

    facility = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="stories_page",
        limit_choices_to={"level": Level.FACILITY},
    )

    content_panels = Page.content_panels + [FieldPanel("facility")]
    parent_page_types = ["improvement.StoriesIndexPage"]
    subpage_types = ["improvement.StoryPage"]

    class Meta:
        verbose_name = _("facility stories section")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["stories"] = (
            StoryPage.objects.live()
            .public()
            .child_of(self)
            .order_by("-first_published_at")
        )
        return context


class StoryPage(Page):
    """A plain-language story of a project for mothers, families and communities."""

    facility = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True
    )
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stories",
    )
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(_("summary"), max_length=300)
    body = models.TextField(_("story"), help_text=_("Markdown, in plain language."))

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("indicator"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
    ]
    parent_page_types = ["improvement.FacilityStoriesPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("improvement story")

    def get_context(self, request, *args, **kwargs):
        from .selectors import facility_chart

        context = super().get_context(request, *args, **kwargs)
        if self.indicator_id and self.facility_id:
            context["chart"] = facility_chart(
                self.facility, self.indicator, project=self.project, public=True
            )
        return context

"""Case studies: stories that combine data with the context and how improvement was
achieved (and what did not work)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from community.models import Level

from .base import Kind, LibraryItem

TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class Setting(models.TextChoices):
    URBAN = "urban", _("Urban")
    PERI_URBAN = "peri_urban", _("Peri-urban")
    RURAL = "rural", _("Rural")


class Outcome(models.TextChoices):
    WORKED = "worked", _("It worked")
    ADAPTED = "adapted", _("It worked once adapted")
    DID_NOT_WORK = "did_not_work", _("It did not work")


class CaseStudyPage(LibraryItem):
    facility = models.ForeignKey(
        "community.Organisation",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_case_studies",
        limit_choices_to={"level": Level.FACILITY},
    )
    facility_type = models.CharField(
        _("facility type"), max_length=120, help_text=_("e.g. District hospital")
    )
    setting = models.CharField(
        _("setting"), max_length=16, choices=Setting.choices, blank=True
    )
    population = models.TextField(
        _("population served"),
        max_length=600,
        blank=True,
        help_text=_("e.g. 180,000 people; about 4,200 births a year."),
    )
    problem = RichTextField(_("the problem"), features=TEXT_FEATURES)
    how_found = RichTextField(
        _("how the problem was found"), blank=True, features=TEXT_FEATURES
    )
    root_cause_tools = models.CharField(
        _("root-cause tools used"),
        max_length=255,
        blank=True,
        help_text=_("e.g. Fishbone diagram, five whys, process map"),
    )
    indicator = models.CharField(
        _("indicator"),
        max_length=200,
        blank=True,
        help_text=_("What the results measure, e.g. Births with AMTSL"),
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="%")
    results_summary = RichTextField(
        _("results in words"), blank=True, features=TEXT_FEATURES
    )
    lessons = RichTextField(_("lessons and advice"), blank=True, features=TEXT_FEATURES)
    contacts = models.TextField(
        _("contacts"),
        max_length=600,
        blank=True,
        help_text=_("Who to ask (a role and a work address, not a patient)."),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    fixed_kind = Kind.CASE_STUDY
    content_panels = Page.content_panels + [
        *LibraryItem.summary_panels,
        MultiFieldPanel(
            [
                FieldPanel("facility"),
                FieldPanel("facility_type"),
                FieldPanel("setting"),
                FieldPanel("population"),
            ],
            heading=_("Context"),
        ),
        FieldPanel("problem"),
        FieldPanel("how_found"),
        FieldPanel("root_cause_tools"),
        InlinePanel("changes", label=_("Changes tried")),
        MultiFieldPanel(
            [
                FieldPanel("indicator"),
                FieldPanel("unit"),
                InlinePanel("results", label=_("Results by period")),
                FieldPanel("results_summary"),
            ],
            heading=_("Results"),
        ),
        FieldPanel("lessons"),
        FieldPanel("contacts"),
    ]
    search_fields = LibraryItem.search_fields + [
        index.SearchField("problem"),
        index.SearchField("lessons"),
        index.SearchField("facility_type"),
    ]
    parent_page_types = ["library.LibraryIndexPage", "library.LibrarySectionPage"]
    subpage_types: list[str] = []
    template = "library/case_study_page.html"

    class Meta:
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(_chart_context(self))
        changes = list(self.changes.all())
        context["changes_worked"] = [
            c for c in changes if c.outcome != Outcome.DID_NOT_WORK
        ]
        context["changes_failed"] = [
            c for c in changes if c.outcome == Outcome.DID_NOT_WORK
        ]
        return context


class CaseStudyChange(Orderable):
    page = ParentalKey(CaseStudyPage, on_delete=models.CASCADE, related_name="changes")
    description = models.CharField(_("change"), max_length=300)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    why = models.TextField(_("why"), max_length=1000, blank=True)

    panels = [FieldPanel("description"), FieldPanel("outcome"), FieldPanel("why")]

    class Meta(Orderable.Meta):
        verbose_name = _("change tried")


class CaseStudyResult(Orderable):
    page = ParentalKey(CaseStudyPage, on_delete=models.CASCADE, related_name="results")
    period = models.CharField(_("period"), max_length=40, help_text=_("e.g. 2024 Q1"))
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    panels = [FieldPanel("period"), FieldPanel("value"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("result")


def _chart_context(page: CaseStudyPage) -> dict:
    from ..charts import Point, describe, line_chart

    points = [Point(r.period, r.value) for r in page.results.all()]
    title = page.indicator or str(_("Results"))
    description = describe(points, indicator=title, unit=page.unit)
    return {
        "chart": line_chart(
            points,
            title=title,
            description=description,
            unit=page.unit,
            chart_id=f"chart-{page.pk or 'new'}",
        ),
        "chart_description": description,
        "result_rows": points,
    }

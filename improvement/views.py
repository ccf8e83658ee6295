"""Thin views: read the request, ask permissions, call a service or a selector."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.forms import add_errors
from community.models import Level, Organisation
from community.permissions import can_manage_departments

from . import importer, permissions, selectors, services
from .conf import setting
from .forms import (
    ChangeIdeaForm,
    CycleForm,
    ImportForm,
    IndicatorForm,
    MeasurementForm,
    ProjectForm,
    RegistryFilterForm,
    SpreadForm,
    StoryForm,
)
from .models import (
    ChangeIdea,
    ChangeState,
    ImportJob,
    Indicator,
    Measurement,
    PDSACycle,
    Project,
    month_label,
)


def _facility(slug: str) -> Organisation:
    return get_object_or_404(
        Organisation.objects.select_related("parent__parent"),
        slug=slug,
        level=Level.FACILITY,
    )


def _project(pk: int) -> Project:
    return get_object_or_404(
        Project.objects.select_related("facility__parent__parent", "department"),
        pk=pk,
    )


# --- Overview and catalogue ------------------------------------------------------------


@login_required
def index(request):
    user = request.user
    return render(
        request,
        "improvement/index.html",
        {
            "facilities": permissions.facilities_visible_to(user).select_related(
                "parent"
            )[:50],
            "districts": permissions.districts_for_comparison(user),
            "indicators": Indicator.objects.active(),
            "can_import": permissions.facilities_for_entry(user).exists(),
            "can_edit_indicators": permissions.can_edit_indicators(user),
        },
    )


def indicator_list(request):
    return render(
        request,
        "improvement/indicator_list.html",
        {
            "indicators": Indicator.objects.all(),
            "can_edit": permissions.can_edit_indicators(request.user),
        },
    )


def indicator_detail(request, code: str):
    indicator = get_object_or_404(Indicator, code=code)
    return render(
        request,
        "improvement/indicator_detail.html",
        {
            "indicator": indicator,
            "can_edit": permissions.can_edit_indicators(request.user),
            "registry_url": f"{reverse('improvement:registry')}?indicator={code}",
        },
    )


@login_required
def indicator_edit(request, code: str | None = None):
    permissions.check_edit_indicators(request.user)
    indicator = get_object_or_404(Indicator, code=code) if code else None
    form = IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in IndicatorForm.Meta.fields}
        try:
            saved = services.indicator_save(
                indicator=indicator, by=request.user, **fields
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The catalogue is updated."))
            return redirect(saved)
    return render(
        request,
        "improvement/indicator_form.html",
        {"form": form, "indicator": indicator},
    )


# --- Facility data --------------------------------------------------------------------


@login_required
def facility_detail(request, slug: str):
    facility = _facility(slug)
    permissions.check_view_facility_data(request.user, facility)
    user = request.user
    return render(
        request,
        "improvement/facility.html",
        {
            "facility": facility,
            "overview": selectors.facility_overview(facility),
            "projects": Project.objects.filter(facility=facility)
            .select_related("department")
            .order_by("title"),
            "adoption": selectors.department_adoption(
                facility, Project.objects.filter(facility=facility)
            ),
            "can_enter": permissions.can_enter_measurements(user, facility),
            "can_document": permissions.can_document(user, facility),
            "departments": list(facility.departments.all()),
            "can_manage_departments": can_manage_departments(user, facility),
        },
    )


@login_required
def facility_chart(request, slug: str, code: str):
    facility = _facility(slug)
    indicator = get_object_or_404(Indicator, code=code)
    permissions.check_view_facility_data(request.user, facility)
    district = facility.district
    return render(
        request,
        "improvement/chart.html",
        {
            "facility": facility,
            "indicator": indicator,
            "chart": selectors.facility_chart(facility, indicator),
            "can_enter": permissions.can_enter_measurements(request.user, facility),
            "comparison_url": reverse(
                "improvement:comparison", args=[district.slug, indicator.code]
            )
            if district and permissions.can_view_district_data(request.user, district)
            else "",
        },
    )


def _existing_month(measurement: Measurement) -> dict:
    """What the form shows of a month that already has numbers, before asking to
    replace them: the numbers, who entered them (display name only) and when."""
    shown = Measurement.objects.select_related("indicator", "entered_by__profile").get(
        pk=measurement.pk
    )
    profile = getattr(shown.entered_by, "profile", None)
    return {
        "measurement": shown,
        "version": services.measurement_version(shown),
        "month": month_label(shown.period),
        "who": profile.public_name if profile is not None else "",
    }


@login_required
def measurement_entry(request, slug: str):
    facility = _facility(slug)
    permissions.check_enter_measurements(request.user, facility)
    initial = {}
    if code := request.GET.get("indicator"):
        initial["indicator"] = Indicator.objects.filter(code=code).first()
    form = MeasurementForm(request.POST or None, initial=initial)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        replaces = request.POST.get("replaces") or None
        try:
            measurement, created = services.measurement_record(
                facility=facility,
                indicator=data["indicator"],
                period=data["period"],
                numerator=data["numerator"],
                denominator=data["denominator"],
                by=request.user,
                replaces=replaces,
            )
        except services.MeasurementExists as exists:
            # Nothing changed: show the month's numbers and ask (again, if they
            # changed since they were shown).
            existing = _existing_month(exists.measurement)
            existing["changed_meanwhile"] = replaces is not None
        except ValidationError as error:
            add_errors(form, error)
        else:
            values = {
                "month": month_label(measurement.period),
                "indicator": measurement.indicator.name,
            }
            if created:
                message = _("Saved %(indicator)s for %(month)s.")
            elif replaces:
                message = _("Replaced %(indicator)s for %(month)s.")
            else:
                message = _("%(indicator)s for %(month)s already had these numbers.")
            messages.success(request, message % values)
            return redirect(
                "improvement:chart", slug=facility.slug, code=measurement.indicator.code
            )
    return render(
        request,
        "improvement/measurement_form.html",
        {"facility": facility, "form": form, "existing": existing},
    )


# --- CSV import ----------------------------------------------------------------------


@login_required
def import_upload(request):
    permissions.check_enter_any(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                by=request.user,
                filename=upload.name,
                content=importer.decode(upload.read()),
                dry_run=True,
            )
        except importer.HeaderError as error:
            form.add_error("file", str(error))
        else:
            return redirect(job)
    return render(request, "improvement/import_form.html", {"form": form})


def _own_job(request, pk: int) -> ImportJob:
    job = get_object_or_404(
        ImportJob.objects.defer("content"), pk=pk, created_by=request.user
    )
    return job


@login_required
def import_status(request, pk: int):
    job = _own_job(request, pk)
    return render(
        request,
        "improvement/import_status.html",
        {"job": job, "refresh": setting("IMPORT_REFRESH_SECONDS")},
    )


@login_required
@require_POST
def import_confirm(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user, dry_run=True)
    confirmed = services.import_job_confirm(job=job, by=request.user)
    return redirect(confirmed)


# --- Projects ---------------------------------------------------------------------------


@login_required
def registry(request):
    form = RegistryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    ideas = selectors.registry(
        request.user,
        query=filters.get("q", ""),
        indicator=filters.get("indicator"),
        state=filters.get("state", ""),
        district=filters.get("district"),
    )
    counts = selectors.state_counts(ideas)
    page = Paginator(
        selectors.with_details(ideas), setting("REGISTRY_PER_PAGE")
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "improvement/registry.html",
        {
            "form": form,
            "page": page,
            "ideas": page.object_list,
            "counts": [
                (state, label, counts.get(state, 0))
                for state, label in ChangeState.choices
            ],
            "indicator": filters.get("indicator"),
            "query_string": query.urlencode(),
        },
    )


@login_required
def project_detail(request, pk: int):
    project = _project(pk)
    permissions.check_view_project(request.user, project)
    ideas = list(
        ChangeIdea.objects.filter(project=project)
        .select_related("spread_from__project__department")
        .prefetch_related("cycles", "spreads__project__department")
    )
    indicators = list(project.indicators.all())
    user = request.user
    return render(
        request,
        "improvement/project.html",
        {
            "project": project,
            "ideas": ideas,
            "charts": [
                selectors.facility_chart(project.facility, indicator)
                for indicator in indicators
            ],
            "team": project.team.select_related("profile"),
            "can_document": permissions.can_document(user, project.facility),
            "can_publish": permissions.can_publish_story(user, project.facility),
            "can_view_data": permissions.can_view_facility_data(user, project.facility),
            "stories": project.stories.live(),
            "has_departments": project.facility.departments.exists(),
        },
    )


@login_required
def project_form(request, slug: str | None = None, pk: int | None = None):
    project = _project(pk) if pk else None
    facility = project.facility if project else _facility(slug)
    permissions.check_document(request.user, facility)
    form = ProjectForm(request.POST or None, instance=project, facility=facility)
    if request.method == "POST" and form.is_valid():
        data = {
            name: form.cleaned_data[name]
            for name in [
                "title",
                "aim_what",
                "aim_how_much",
                "aim_by_when",
                "indicators",
                "background",
                "team",
                "team_note",
            ]
        }
        data["department"] = form.cleaned_data.get("department")
        try:
            if project:
                project = services.project_update(
                    project=project, by=request.user, **data
                )
            else:
                project = services.project_create(
                    facility=facility, by=request.user, **data
                )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The project is saved."))
            return redirect(project)
    return render(
        request,
        "improvement/project_form.html",
        {"form": form, "project": project, "facility": facility},
    )


@login_required
@require_POST
def project_share(request, pk: int):
    project = _project(pk)
    shared = request.POST.get("shared") == "1"
    services.project_share(project=project, by=request.user, shared=shared)
    messages.success(
        request,
        _("Every member can now read this project.")
        if shared
        else _("The project is back to its facility, district and national team."),
    )
    return redirect(project)


@login_required
def change_idea_create(request, pk: int):
    project = _project(pk)
    permissions.check_document(request.user, project.facility)
    form = ChangeIdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        idea = services.change_idea_create(
            project=project, by=request.user, **form.cleaned_data
        )
        messages.success(request, _("Now plan its first PDSA cycle."))
        return redirect("improvement:cycle_create", pk=idea.pk)
    return render(
        request,
        "improvement/simple_form.html",
        {
            "form": form,
            "project": project,
            "heading": _("A change idea for “%(project)s”") % {"project": project},
        },
    )


@login_required
def change_idea_spread(request, pk: int):
    """Try an idea another department of the facility tried: pick its project."""
    idea = get_object_or_404(
        ChangeIdea.objects.select_related("project__facility", "project__department"),
        pk=pk,
    )
    facility = idea.project.facility
    permissions.check_view_project(request.user, idea.project)
    permissions.check_document(request.user, facility)
    projects = selectors.spread_targets(idea)
    # "Try it here" on a ward's page: that ward's project comes chosen.
    here = request.GET.get("department", "")
    chosen = projects.filter(department_id=here).first() if here.isdigit() else None
    form = SpreadForm(
        request.POST or None,
        projects=projects,
        initial={"project": chosen.pk} if chosen else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            spread = services.change_idea_spread(
                idea=idea, project=form.cleaned_data["project"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "“%(idea)s” is now being tested in %(project)s. Plan its first cycle."
                )
                % {"idea": spread.title, "project": spread.project},
            )
            return redirect("improvement:cycle_create", pk=spread.pk)
    return render(
        request,
        "improvement/spread_form.html",
        {"form": form, "idea": idea, "project": idea.project, "any": projects.exists()},
    )


@login_required
def cycle_form(request, pk: int | None = None, cycle_pk: int | None = None):
    cycle = (
        get_object_or_404(
            PDSACycle.objects.select_related("change_idea__project__facility"),
            pk=cycle_pk,
        )
        if cycle_pk
        else None
    )
    idea = (
        cycle.change_idea
        if cycle
        else get_object_or_404(
            ChangeIdea.objects.select_related("project__facility"), pk=pk
        )
    )
    project = idea.project
    permissions.check_document(request.user, project.facility)
    form = CycleForm(request.POST or None, instance=cycle, starting=cycle is None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if cycle:
                services.cycle_update(cycle=cycle, by=request.user, **data)
            else:
                services.cycle_create(change_idea=idea, by=request.user, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The PDSA cycle is saved."))
            return redirect(f"{project.get_absolute_url()}#change-{idea.pk}")
    heading = (
        _("PDSA %(n)s of “%(idea)s”") % {"n": cycle.number, "idea": idea}
        if cycle
        else _("A new PDSA cycle for “%(idea)s”") % {"idea": idea}
    )
    return render(
        request,
        "improvement/simple_form.html",
        {"form": form, "project": project, "heading": heading},
    )


@login_required
def story_create(request, pk: int):
    project = _project(pk)
    permissions.check_publish_story(request.user, project.facility)
    form = StoryForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        story = services.story_publish(
            project=project, by=request.user, **form.cleaned_data
        )
        messages.success(request, _("Your story is published for everyone."))
        return redirect(story.url)
    return render(
        request,
        "improvement/simple_form.html",
        {
            "form": form,
            "project": project,
            "heading": _("Tell the story of “%(project)s”") % {"project": project},
            "intro": _(
                "This page is public: mothers, families and communities will read it. "
                "It shows the run chart you choose."
            ),
            "submit": _("Publish the story"),
        },
    )


# --- District comparison ------------------------------------------------------------


def _comparison(request, slug: str, code: str):
    district = get_object_or_404(Organisation, slug=slug, level=Level.DISTRICT)
    permissions.check_view_district_data(request.user, district)
    indicator = get_object_or_404(Indicator, code=code)
    return selectors.district_comparison(district, indicator)


@login_required
def comparison(request, slug: str, code: str, printable: bool = False):
    result = _comparison(request, slug, code)
    return render(
        request,
        "improvement/comparison_print.html"
        if printable
        else "improvement/comparison.html",
        {
            "comparison": result,
            "indicators": Indicator.objects.active(),
            "printable": printable,
        },
    )


@login_required
def comparison_csv(request, slug: str, code: str):
    result = _comparison(request, slug, code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = slugify(f"{result.district.slug}-{result.indicator.code}")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerows(selectors.comparison_rows(result))
    return response


@login_required
def comparison_pick(request):
    """The district and indicator chosen in a plain GET form (no JavaScript)."""
    slug, code = request.GET.get("district", ""), request.GET.get("indicator", "")
    if not slug or not code:
        return redirect("improvement:index")
    return redirect("improvement:comparison", slug=slug, code=code)

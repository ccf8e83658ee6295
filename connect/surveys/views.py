"""Survey pages: the list, a survey (answer it, or read your own answers), writing and
sending one, its results as pictures, tables and CSV, and turning an answer into a
learning need."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.forms import add_errors
from community.models import Level, Organisation
from community.permissions import can_participate
from community.privacy import people_count

from .. import charts
from ..views import _page
from . import permissions, services
from .forms import NeedFromChoiceForm, SurveyForm
from .models import Survey, SurveyChoice, SurveyResponse, SurveyState
from .results import Results, tally


def _survey_or_404(user, pk: int) -> Survey:
    survey = get_object_or_404(Survey, pk=pk)
    if not permissions.can_view(user, survey):
        raise Http404  # a draft is not said to exist
    return survey


@login_required
def survey_list(request):
    if not can_participate(request.user):
        raise PermissionDenied
    manage = permissions.can_manage(request.user)
    surveys = (
        Survey.objects.all()
        if manage
        else Survey.objects.exclude(state=SurveyState.DRAFT)
    )
    surveys = list(surveys[:50])
    answered = set(
        SurveyResponse.objects.filter(
            user=request.user, survey__in=surveys
        ).values_list("survey_id", flat=True)
    )
    for survey in surveys:
        survey.answered = survey.pk in answered
        survey.results_visible = permissions.can_view_results(request.user, survey)
    return render(
        request,
        "connect/surveys/list.html",
        _page(request, surveys=surveys, can_manage=manage),
    )


@login_required
def survey_detail(request, pk: int):
    survey = _survey_or_404(request.user, pk)
    questions = list(survey.questions.prefetch_related("choices"))
    mine = services.own_answers(survey, request.user)
    errors: dict[str, str] = {}
    picked: dict[int, set[int]] = {}
    if request.method == "POST":
        if mine is not None:
            messages.info(request, _("You have already answered this survey."))
            return redirect(survey)
        for question in questions:
            picked[question.pk] = {
                int(value)
                for value in request.POST.getlist(f"q{question.pk}")
                if value.isdigit()
            }
        try:
            services.survey_answer(
                survey=survey,
                user=request.user,
                choices={pk: sorted(ids) for pk, ids in picked.items()},
            )
        except ValidationError as error:
            errors = {key: value[0] for key, value in error.message_dict.items()}
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect(survey)
        except services.AlreadyAnswered:
            messages.info(request, _("You have already answered this survey."))
            return redirect(survey)
        else:
            messages.success(
                request,
                _("Thank you. Your answers are counted with your district's."),
            )
            return redirect(survey)
    for question in questions:
        question.picked = (mine or picked).get(question.pk, set())
        question.error = errors.get(f"q{question.pk}", "")
    return render(
        request,
        "connect/surveys/detail.html",
        _page(
            request,
            survey=survey,
            questions=questions,
            answered=mine is not None,
            can_answer=mine is None and permissions.can_answer(request.user, survey),
            has_errors=bool(errors),
            can_manage=permissions.can_manage(request.user),
            results_visible=permissions.can_view_results(request.user, survey),
        ),
        status=400 if errors else 200,
    )


@login_required
def survey_edit(request, pk: int | None = None):
    permissions.check_manage(request.user)
    survey = get_object_or_404(Survey, pk=pk) if pk else None
    if survey is not None and survey.state != SurveyState.DRAFT:
        messages.info(request, _("A survey that was sent cannot be changed."))
        return redirect(survey)
    form = SurveyForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_save(
                by=request.user,
                title=data["title"],
                intro=data["intro"],
                closes_at=data["closes_on"],
                questions=form.questions(),
                survey=survey,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("The draft is saved. Read it through, then send it to members."),
            )
            return redirect(survey)
    return render(
        request,
        "connect/surveys/form.html",
        _page(request, form=form, survey=survey),
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def survey_act(request, pk: int, action: str):
    permissions.check_manage(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    act = {
        "open": (services.survey_open, _("The survey is sent to every member.")),
        "close": (services.survey_close, _("The survey is closed.")),
        "delete": (services.survey_delete, _("The draft is deleted.")),
    }.get(action)
    if act is None:
        raise Http404
    service, done = act
    try:
        service(survey=survey, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(survey)
    messages.success(request, done)
    return redirect("connect:surveys" if action == "delete" else survey)


def _district_for(request, survey: Survey, results: Results):
    """The district whose facilities are shown: asked for (``?district=``), else the
    reader's own. ``None`` when the reader may not see any."""
    led = permissions.led_districts(request.user)
    slug = request.GET.get("district", "")[:200]
    district = None
    if slug:
        district = Organisation.objects.filter(level=Level.DISTRICT, slug=slug).first()
    elif led:
        district = led[0]
    elif permissions.can_manage(request.user) and results.split_districts:
        # The district where most answered: the likeliest to have facilities apart.
        district = max(
            results.split_districts, key=lambda row: row.respondents
        ).organisation
    if district is None or not permissions.can_view_facilities(
        request.user, survey, district
    ):
        return None
    return district


def _question_tables(results: Results, rows, *, caption_prefix: str, chart_id: str):
    tables = []
    for question in results.questions:
        choices = list(question.choices.all())
        values = [row.values(choices) for row in rows]
        tables.append(
            {
                "question": question,
                "choices": choices,
                "rows": [
                    {"row": row, "values": value}
                    for row, value in zip(rows, values, strict=True)
                ],
                "chart": charts.grid(
                    [row.label for row in rows],
                    [choice.text for choice in choices],
                    values,
                    # Darker for a larger share of the group, so a big district
                    # does not outshine a small one.
                    [
                        [v / row.respondents if row.respondents else 0 for v in value]
                        for row, value in zip(rows, values, strict=True)
                    ],
                ),
                "chart_id": f"{chart_id}-{question.pk}",
                "caption": f"{caption_prefix}: {question.text}",
            }
        )
    return tables


@login_required
def survey_results(request, pk: int):
    survey = _survey_or_404(request.user, pk)
    permissions.check_view_results(request.user, survey)
    results = tally(survey)
    manage = permissions.can_manage(request.user)
    district = _district_for(request, survey, results) if results.shown else None
    facility_rows = results.facility_rows(district) if district else None
    district_rows = results.districts + ([results.total] if results.total else [])
    return render(
        request,
        "connect/surveys/results.html",
        _page(
            request,
            survey=survey,
            results=results,
            respondents=people_count(results.respondents),
            can_manage=manage,
            by_district=_question_tables(
                results,
                district_rows,
                caption_prefix=_("By district"),
                chart_id="district",
            )
            if results.shown
            else [],
            district=district,
            by_facility=_question_tables(
                results,
                facility_rows,
                caption_prefix=_("By facility in %(district)s")
                % {"district": district.name},
                chart_id="facility",
            )
            if facility_rows
            else [],
            district_choices=[
                row.organisation
                for row in results.split_districts
                if permissions.can_view_facilities(
                    request.user, survey, row.organisation
                )
            ],
            folded_district=district is None
            and bool(permissions.led_districts(request.user)),
        ),
    )


@login_required
def survey_results_csv(request, pk: int):
    """The rows the reader sees on the results page, as a file: one line per group and
    answer. Never a line per person."""
    survey = _survey_or_404(request.user, pk)
    permissions.check_view_results(request.user, survey)
    results = tally(survey)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="survey-{survey.pk}-{slugify(survey.title)[:40]}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(
        [
            _("question"),
            _("grouped by"),
            _("district"),
            _("group"),
            _("members who answered"),
            _("answer"),
            _("members who chose it"),
        ]
    )
    if not results.shown:
        return response
    groups = [(_("district"), "", row) for row in results.districts]
    groups.append((_("country"), "", results.total))
    for row in results.split_districts:
        if permissions.can_view_facilities(request.user, survey, row.organisation):
            for facility_row in results.facility_rows(row.organisation):
                groups.append((_("facility"), row.label, facility_row))
    for question in results.questions:
        for level, district_name, row in groups:
            for choice in question.choices.all():
                writer.writerow(
                    [
                        _safe(question.text),
                        level,
                        _safe(district_name),
                        _safe(row.label),
                        row.respondents,
                        _safe(choice.text),
                        row.count(choice.pk),
                    ]
                )
    return response


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
def need_from_choice(request, pk: int):
    permissions.check_manage(request.user)
    choice = get_object_or_404(
        SurveyChoice.objects.select_related("question__survey", "need"), pk=pk
    )
    survey = choice.question.survey
    if survey.state == SurveyState.DRAFT:
        raise Http404
    if choice.need is not None:
        return redirect(choice.need)
    summary = services.need_summary(choice)
    if summary["members"] is None:
        members = _("A few members")
    else:
        members = _("%(n)s members") % {"n": summary["members"]}
    form = NeedFromChoiceForm(
        request.POST or None,
        initial={
            "title": choice.text,
            "description": _(
                "%(members)s in %(facilities)s facilities answered “%(choice)s” to "
                "“%(question)s” in the survey “%(survey)s”."
            )
            % {
                "members": members,
                "facilities": summary["facilities"],
                "choice": choice.text,
                "question": choice.question.text,
                "survey": survey.title,
            },
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_from_choice(
                choice=choice,
                by=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The learning need is posted. Everyone who chose this answer "
                    "supports it and hears when it is answered."
                ),
            )
            return redirect(need)
    return render(
        request,
        "connect/surveys/need_form.html",
        _page(request, form=form, choice=choice, survey=survey, summary=summary),
        status=400 if form.is_bound and form.errors else 200,
    )

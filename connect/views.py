from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from taggit.models import Tag

from community.forms import add_errors
from community.models import Level, Organisation

from . import charts, permissions, selectors, services
from .conf import setting
from .forms import AnswerForm, NeedForm, TriageForm
from .models import LearningNeed, NeedNotice, NeedState, Survey, SurveyState
from .surveys.selectors import waiting_for as surveys_waiting_for

MAX_QUERY = 200


def _page(request, **context):
    context.setdefault(
        "unread_notices",
        NeedNotice.objects.filter(user=request.user, read_at=None).count()
        if request.user.is_authenticated
        else 0,
    )
    context.setdefault("can_triage", permissions.can_triage(request.user))
    context.setdefault("waiting_surveys", surveys_waiting_for(request.user))
    return context


def _optional_url(name: str, **kwargs) -> str:
    try:
        return reverse(name, **kwargs)
    except NoReverseMatch:
        return ""


@login_required
def needs_index(request):
    permissions.check_view_needs(request.user)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    tag = request.GET.get("tag", "").strip()[:100]
    district = request.GET.get("district", "").strip()[:200]
    state = request.GET.get("state", "open")
    if state not in {"open", "", *NeedState.values}:
        state = "open"
    needs = selectors.needs_list(
        request.user, query=query, tag=tag, district=district, state=state
    )
    order = request.GET.get("order", "support")
    needs = (
        needs.order_by("-created_at", "-pk")
        if order == "new"
        else needs.order_by("-support_count", "-created_at", "-pk")
    )
    page_obj = Paginator(needs, setting("NEEDS_PER_PAGE")).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "connect/needs_index.html",
        _page(
            request,
            page_obj=page_obj,
            query=query,
            tag=tag,
            district=district,
            state=state,
            order=order,
            states=[("open", _("Open")), ("", _("All"))] + list(NeedState.choices),
            districts=Organisation.objects.filter(level=Level.DISTRICT).order_by(
                "name"
            ),
            tags=Tag.objects.filter(connect_taggedneed_items__isnull=False)
            .distinct()
            .order_by("name"),
        ),
    )


@login_required
def need_create(request):
    permissions.check_view_needs(request.user)
    form = NeedForm(
        request.POST or None,
        organisations=permissions.raise_for_choices(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            need = services.need_create(
                author=request.user,
                title=data["title"],
                description=data["description"],
                organisation=data["organisation"],
                tags=data["tags"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Your learning need is posted. The national team will see it."),
            )
            return redirect(need)
    return render(request, "connect/need_form.html", _page(request, form=form))


@login_required
def need_detail(request, pk: int):
    permissions.check_view_needs(request.user)
    need = get_object_or_404(
        LearningNeed.objects.visible_to(request.user).select_related(
            "organisation", "district", "duplicate_of"
        ),
        pk=pk,
    )
    can_triage = permissions.can_triage(request.user)
    tags = list(need.tags.order_by("name"))
    return render(
        request,
        "connect/need_detail.html",
        _page(
            request,
            need=need,
            tags=tags,
            answers=[
                a
                for a in need.answers.all()
                if selectors.answer_visible(request.user, a)
            ],
            by_district=selectors.district_counts(need),
            supported=selectors.need_supported_by(need, request.user),
            can_support=permissions.can_support(request.user, need),
            triage_form=TriageForm(
                initial={"state": need.state, "note": need.state_note}
            )
            if can_triage
            else None,
            answer_form=AnswerForm() if can_triage else None,
            directory_url=_optional_url("community:directory"),
            # Tag pages of the library, where the library is installed and the slug
            # fits its URL (taggit keeps accents in slugs: "réanimation-néonatale").
            tag_links=[
                (tag, _optional_url("library:tag", args=[tag.slug])) for tag in tags
            ],
        ),
    )


@login_required
@require_POST
def need_support(request, pk: int):
    need = get_object_or_404(LearningNeed.objects.visible_to(request.user), pk=pk)
    if request.POST.get("withdraw") == "1":
        services.need_withdraw_support(need=need, user=request.user)
        messages.success(request, _("Your support is withdrawn."))
    else:
        services.need_support(need=need, user=request.user)
        messages.success(
            request, _("Thank you: the national team sees that you need this too.")
        )
    return redirect(need)


@login_required
@require_POST
def need_triage(request, pk: int):
    permissions.check_triage(request.user)
    need = get_object_or_404(LearningNeed, pk=pk)
    form = TriageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        duplicate_of = (
            LearningNeed.objects.filter(pk=data["duplicate_of"]).first()
            if data.get("duplicate_of")
            else None
        )
        try:
            services.need_set_state(
                need=need,
                by=request.user,
                state=data["state"],
                note=data["note"],
                duplicate_of=duplicate_of,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The need is updated."))
    else:
        messages.error(request, _("Choose a state."))
    return redirect(need)


@login_required
def need_answer(request, pk: int):
    permissions.check_triage(request.user)
    need = get_object_or_404(LearningNeed, pk=pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        url = data["url"]
        try:
            services.need_answer(
                need=need,
                by=request.user,
                kind=data["kind"],
                url=url,
                title=data["title"],
                note=data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("The need is answered; everyone who needs it is told.")
            )
            return redirect(need)
    return render(
        request, "connect/answer_form.html", _page(request, need=need, form=form)
    )


@login_required
def triage(request):
    permissions.check_triage(request.user)
    heat = selectors.heat_map(request.user)
    return render(
        request,
        "connect/triage.html",
        _page(
            request,
            needs=selectors.ranked_open_needs(request.user),
            surveys=Survey.objects.exclude(state=SurveyState.DRAFT)[:5],
            heat=heat,
            chart=_heat_chart(heat),
        ),
    )


def _heat_chart(heat: selectors.HeatMap) -> dict:
    """The triage picture: a row per district, a column per topic."""
    return charts.grid(
        [district.name for district in heat.districts],
        heat.tags,
        [row["values"] for row in heat.rows],
    )


@login_required
def notices(request):
    items = list(
        NeedNotice.objects.filter(user=request.user)
        .select_related("need", "answer")
        .order_by("-created_at", "-pk")[:50]
    )
    for notice in items:
        if not selectors.answer_visible(request.user, notice.answer):
            notice.answer = None
    if request.method == "POST":
        services.notices_mark_read(user=request.user)
        return redirect("connect:notices")
    return render(request, "connect/notices.html", _page(request, notices=items))


@login_required
def notice_open(request, pk: int):
    notice = get_object_or_404(NeedNotice, pk=pk, user=request.user)
    services.notices_mark_read(user=request.user, notice_ids=[notice.pk])
    return redirect(notice.need)

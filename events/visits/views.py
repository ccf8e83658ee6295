"""Exchange-visit pages: thin, they read the request, ask ``permissions``, ``services``
and ``selectors``, and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.forms import add_errors
from community.models import Level, Organisation

from . import notices, permissions, selectors, services
from .forms import (
    CommentForm,
    CounterForm,
    DeclineForm,
    ReportForm,
    ShareForm,
    VisitRequestForm,
)
from .models import ExchangeVisit, LearningReport, VisitAction

FORM_ACTIONS = frozenset({VisitAction.DECLINE, VisitAction.COUNTER, VisitAction.REPORT})
# Moves made through this page's buttons and forms (the report publishes itself).
PAGE_ACTIONS = frozenset(VisitAction.values) - {
    VisitAction.REPORT,
    VisitAction.REQUEST,
    VisitAction.PAIR,
}


def _visit(pk: int) -> ExchangeVisit:
    return get_object_or_404(
        ExchangeVisit.objects.select_related(
            "visiting__parent__parent", "host__parent__parent", "event"
        ),
        pk=pk,
    )


@login_required
def visit_list(request):
    outgoing, incoming, district = selectors.visits_for(request.user)
    unread = notices.notices_for(request.user)
    texts = [(notices.notice_text(n), notices.notice_url(n), n.created) for n in unread]
    if unread:
        notices.notices_mark_read(user=request.user)
    return render(
        request,
        "events/visits/list.html",
        {
            "outgoing": list(outgoing[:50]),
            "incoming": list(incoming[:50]),
            "district": list(district[:50]),
            "notices": texts,
            "can_request": permissions.requesting_facilities(request.user).exists()
            or permissions.pairing_facilities(request.user).exists(),
        },
    )


@login_required
def visit_request(request):
    user = request.user
    initial = {}
    host_pk = request.GET.get("host", "")
    if host_pk.isdigit():
        host = Organisation.objects.filter(pk=host_pk, level=Level.FACILITY).first()
        if host is not None:
            initial["host"] = host.pk
    form = VisitRequestForm(request.POST or None, user=user, initial=initial)
    if not form.fields["visiting"].queryset.exists():
        raise PermissionDenied(
            _("Members of a facility ask for exchange visits on its behalf.")
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        args = {
            "by": user,
            "visiting": data["visiting"],
            "host": data["host"],
            "objectives": data["objectives"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "timezone_name": data["timezone"],
        }
        try:
            if permissions.can_request_for(user, data["visiting"]):
                visit = services.visit_request(**args)
                messages.success(
                    request,
                    _("Your request is sent: %(host)s's leads will answer.")
                    % {"host": visit.host},
                )
            else:
                visit = services.visit_pair(**args)
                messages.success(
                    request,
                    _("The pairing is proposed: %(visiting)s agrees first.")
                    % {"visiting": visit.visiting},
                )
        except ValidationError as error:
            add_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return redirect(visit)
    return render(request, "events/visits/request.html", {"form": form})


def _message_url(user, visit: ExchangeVisit) -> str:
    """A private conversation with the visit's people (both facilities' leads and
    whoever asked), about this visit."""
    from forums.conf import setting as forum_setting
    from forums.conversations.services import start_url

    people = [p for p in notices.involved(visit) if p.pk != user.pk]
    people = people[: forum_setting("CONVERSATION_MAX_PEOPLE") - 1]
    if not people:
        return ""
    title = _("%(visiting)s visits %(host)s") % {
        "visiting": visit.visiting.name,
        "host": visit.host.name,
    }
    return start_url(people, about_title=title, about_url=visit.get_absolute_url())


def _detail_context(request, visit: ExchangeVisit, **forms) -> dict:
    user = request.user
    actions = permissions.allowed_actions(user, visit)
    report = LearningReport.objects.filter(visit=visit).first()
    party = permissions.is_party(user, visit)
    context = {
        "visit": visit,
        "party": party,
        # Decline and counter have forms of their own; the report is its own page.
        "actions": [a for a in actions if a not in FORM_ACTIONS],
        "action_labels": {
            "agree": _("Agree to the pairing"),
            "accept": _("Accept these dates"),
            "cancel": _("Cancel the visit"),
            "complete": _("Mark the visit as done"),
        },
        "can_decline": VisitAction.DECLINE in actions,
        "can_counter": VisitAction.COUNTER in actions,
        "decline_form": forms.get("decline_form") or DeclineForm(prefix="decline"),
        "counter_form": forms.get("counter_form")
        or CounterForm(user=user, prefix="counter"),
        "timeline": list(
            visit.transitions.select_related("on_behalf_of", "by__profile")
        )
        if party
        else [],
        "report": report,
        "can_write_report": permissions.can_write_report(user, visit),
        "message_url": _message_url(user, visit) if party else "",
    }
    if report is not None:
        context.update(
            {
                "photos": list(report.photos.all()),
                "comments": list(report.comments.select_related("author__profile")),
                "can_comment": permissions.can_comment(user, report),
                "comment_form": forms.get("comment_form") or CommentForm(),
                "can_share": permissions.can_share_report(user, report),
                "share_form": forms.get("share_form")
                or ShareForm(spaces=permissions.share_spaces(user, report)),
                "can_propose": permissions.can_propose_to_library(user, report),
                "shared_thread": report.shared_thread,
            }
        )
    return context


@login_required
def visit_detail(request, pk: int):
    visit = _visit(pk)
    permissions.check_view_visit(request.user, visit)
    notices.notices_mark_read(user=request.user, visit=visit)
    return render(request, "events/visits/detail.html", _detail_context(request, visit))


@login_required
@require_POST
def visit_act(request, pk: int, action: str):
    """One move of the lifecycle. Decline and counter carry a form; errors come back
    on the visit page with what was typed."""
    visit = _visit(pk)
    permissions.check_view_visit(request.user, visit)
    if action not in PAGE_ACTIONS:
        raise Http404
    form = None
    kwargs: dict = {}
    if action == VisitAction.DECLINE:
        form = DeclineForm(request.POST, prefix="decline")
    elif action == VisitAction.COUNTER:
        form = CounterForm(request.POST, user=request.user, prefix="counter")
    if form is not None and form.is_valid():
        data = form.cleaned_data
        kwargs = {
            "note": data.get("note", ""),
            "starts_at": data.get("starts_at"),
            "ends_at": data.get("ends_at"),
            "timezone_name": data.get("timezone"),
        }
    if form is None or form.is_valid():
        try:
            services.visit_transition(
                visit=visit, by=request.user, action=action, **kwargs
            )
        except PermissionDenied:
            raise
        except ValidationError as error:
            if form is None:
                for message in error.messages:
                    messages.error(request, message)
                return redirect(visit)
            add_errors(form, error)
        else:
            messages.success(request, _("Done. The other side is told."))
            return redirect(visit)
    name = "decline_form" if action == VisitAction.DECLINE else "counter_form"
    return render(
        request,
        "events/visits/detail.html",
        _detail_context(request, visit, **{name: form}),
        status=400,
    )


@login_required
def report_edit(request, pk: int):
    visit = _visit(pk)
    if not permissions.can_write_report(request.user, visit):
        raise PermissionDenied(
            _("The visiting team writes the report once the visit is done.")
        )
    report = LearningReport.objects.filter(visit=visit).first()
    initial = (
        {"saw": report.saw, "will_try": report.will_try, "contacts": report.contacts}
        if report
        else {}
    )
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        photos = [(data["photo"], data["photo_alt"])] if data.get("photo") else []
        try:
            services.report_save(
                visit=visit,
                by=request.user,
                saw=data["saw"],
                will_try=data["will_try"],
                contacts=data["contacts"],
                photos=photos,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The learning report is published."))
            return redirect(f"{visit.get_absolute_url()}#report")
    return render(
        request,
        "events/visits/report_form.html",
        {"form": form, "visit": visit, "report": report},
    )


def _report(visit: ExchangeVisit) -> LearningReport:
    report = LearningReport.objects.filter(visit=visit).first()
    if report is None:
        raise Http404
    report.visit = visit
    return report


@login_required
@require_POST
def report_comment(request, pk: int):
    visit = _visit(pk)
    report = _report(visit)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.report_comment(
                report=report, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your comment is posted."))
            return redirect(f"{visit.get_absolute_url()}#comments")
    return render(
        request,
        "events/visits/detail.html",
        _detail_context(request, visit, comment_form=form),
        status=400,
    )


@login_required
@require_POST
def report_share(request, pk: int):
    visit = _visit(pk)
    report = _report(visit)
    form = ShareForm(
        request.POST, spaces=permissions.share_spaces(request.user, report)
    )
    if form.is_valid():
        try:
            thread = services.report_share(
                report=report, by=request.user, space=form.cleaned_data["space"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The report is shared with your district."))
            return redirect(thread)
    return render(
        request,
        "events/visits/detail.html",
        _detail_context(request, visit, share_form=form),
        status=400,
    )


@login_required
@require_POST
def report_propose(request, pk: int):
    visit = _visit(pk)
    report = _report(visit)
    try:
        services.report_propose_to_library(report=report, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Proposed to the library: its editors will review the case study."),
        )
    return redirect(f"{visit.get_absolute_url()}#report")

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import permissions, selectors, services
from .forms import DecisionForm, FlagForm
from .models import Case, Notice
from .ratelimit import RateLimited, client_ip
from .registry import adapter_for, is_registered


def _content(content_type_id: int, ref: str):
    """Content by its public reference (opaque where the content app has one)."""
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is None or not is_registered(model):
        raise Http404
    content = adapter_for(model).lookup(model, ref)
    if content is None:
        raise Http404
    return content


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fallback


@login_required
def flag(request, content_type_id: int, ref: str):
    content = _content(content_type_id, ref)
    if not permissions.can_flag(request.user, content):
        raise PermissionDenied(_("You may not flag this."))
    adapter = adapter_for(content)
    form = FlagForm(request.POST or None)
    next_url = _safe_next(request, adapter.url(content) or "/")
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(
                content=content,
                flagger=request.user,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
                ip=client_ip(request),
            )
        except RateLimited as limited:
            form.add_error(None, limited.message)
        else:
            messages.success(request, _("Thank you. A moderator will review it."))
            return redirect(next_url)
    return render(
        request,
        "moderation/flag_form.html",
        {
            "form": form,
            "excerpt": adapter.excerpt(content),
            "label": adapter.label(content),
            "next": next_url,
        },
        status=400 if form.errors else 200,
    )


@login_required
def queue(request):
    if not permissions.can_view_queue(request.user):
        raise PermissionDenied(_("Only moderators see the moderation queue."))
    items = selectors.queue_for(request.user)
    for item in items:
        item["form"] = DecisionForm(
            prefix=f"case{item['case'].pk}", anonymous=item["anonymous"]
        )
    return render(
        request,
        "moderation/queue.html",
        {
            "items": items,
            "can_view_audit_log": permissions.can_view_audit_log(request.user),
        },
    )


@login_required
def decide(request, case_id: int):
    if request.method != "POST":
        return redirect("moderation:queue")
    case = get_object_or_404(Case, pk=case_id)
    content = case.content
    if content is None:
        raise Http404
    if not permissions.can_moderate(request.user, content):
        raise PermissionDenied(_("You may not moderate this."))
    anonymous = adapter_for(content).is_anonymous(content)
    form = DecisionForm(request.POST, prefix=f"case{case.pk}", anonymous=anonymous)
    if form.is_valid():
        data = form.cleaned_data
        services.decision_make(
            content=content,
            moderator=request.user,
            action=data["action"],
            reason=data["reason"],
            body=data["body"],
            days=data["days"],
            outcome=data["outcome"],
        )
        messages.success(request, _("Done. The decision is in the audit log."))
        return redirect("moderation:queue")
    # Show the queue again with this form's errors and what was typed.
    items = selectors.queue_for(request.user)
    for item in items:
        item["form"] = (
            form
            if item["case"].pk == case.pk
            else DecisionForm(
                prefix=f"case{item['case'].pk}", anonymous=item["anonymous"]
            )
        )
    return render(
        request,
        "moderation/queue.html",
        {
            "items": items,
            "can_view_audit_log": permissions.can_view_audit_log(request.user),
        },
        status=400,
    )


@login_required
def act(request, content_type_id: int, ref: str):
    """Moderate content straight from where it is shown (no case needed)."""
    content = _content(content_type_id, ref)
    if not permissions.can_moderate(request.user, content):
        raise PermissionDenied(_("You may not moderate this."))
    adapter = adapter_for(content)
    form = DecisionForm(
        request.POST or None, prefix="act", anonymous=adapter.is_anonymous(content)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.decision_make(
            content=content,
            moderator=request.user,
            action=data["action"],
            reason=data["reason"],
            body=data["body"],
            days=data["days"],
            outcome=data["outcome"],
        )
        messages.success(request, _("Done. The decision is in the audit log."))
        return redirect(_safe_next(request, adapter.url(content) or "moderation:queue"))
    return render(
        request,
        "moderation/act.html",
        {
            "form": form,
            "excerpt": adapter.excerpt(content),
            "label": adapter.label(content),
        },
        status=400 if form.errors else 200,
    )


@login_required
def audit_log(request):
    if not permissions.can_view_audit_log(request.user):
        raise PermissionDenied(
            _("Only moderators and the national team see the audit log.")
        )
    return render(
        request, "moderation/audit_log.html", {"decisions": selectors.audit_log()}
    )


@login_required
def notices(request):
    items = list(Notice.objects.filter(user=request.user)[:100])
    services.notices_mark_read(user=request.user)
    return render(request, "moderation/notices.html", {"notices": items})

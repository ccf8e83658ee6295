"""Wagtail admin views: curate the tag vocabulary, send a newsletter issue."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from taggit.models import Tag

from . import permissions, services
from .forms import TagMergeForm, TagRenameForm
from .models import NewsletterIssuePage, Subscriber, SubscriberStatus

TAGS_PER_PAGE = 50


def tag_usage(tag_ids: list[int]) -> dict[int, int]:
    """Uses of each tag across every app: one query per taggit through model."""
    usage: dict[int, int] = dict.fromkeys(tag_ids, 0)
    for model in services._through_models():
        for tag_id, n in (
            model.objects.filter(tag_id__in=tag_ids)
            .values_list("tag_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            usage[tag_id] += n
    return usage


@require_http_methods(["GET", "POST"])
def tag_index(request):
    permissions.check_curate_tags(request.user)
    query = request.GET.get("q", "").strip()[:100]
    tags = Tag.objects.order_by("name")
    if query:
        tags = tags.filter(name__icontains=query)
    page = Paginator(tags, TAGS_PER_PAGE).get_page(request.GET.get("p"))
    usage = tag_usage([t.pk for t in page])
    merge_form = TagMergeForm(request.POST or None, tags=Tag.objects.order_by("name"))
    if request.method == "POST" and merge_form.is_valid():
        moved = services.tag_merge(
            sources=list(merge_form.cleaned_data["sources"]),
            into=merge_form.cleaned_data["into"],
            by=request.user,
        )
        messages.success(
            request,
            _("Merged into “%(tag)s”: %(n)s uses moved.")
            % {"tag": merge_form.cleaned_data["into"].name, "n": moved},
        )
        return redirect("library_admin:tags")
    return TemplateResponse(
        request,
        "library/admin/tags.html",
        {
            "page_obj": page,
            "rows": [(tag, usage.get(tag.pk, 0)) for tag in page],
            "query": query,
            "merge_form": merge_form,
        },
    )


@require_http_methods(["GET", "POST"])
def tag_rename(request, pk: int):
    permissions.check_curate_tags(request.user)
    tag = get_object_or_404(Tag, pk=pk)
    form = TagRenameForm(
        request.POST or None, initial={"name": tag.name, "slug": tag.slug}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tag_rename(
                tag=tag,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                by=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Tag renamed."))
            return redirect("library_admin:tags")
    return TemplateResponse(
        request, "library/admin/tag_rename.html", {"tag": tag, "form": form}
    )


@require_http_methods(["GET", "POST"])
def newsletter_send(request, pk: int):
    if not permissions.can_send_newsletter(request.user):
        raise PermissionDenied
    issue = get_object_or_404(NewsletterIssuePage, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "test":
                services.newsletter_send_test(issue=issue, user=request.user)
                messages.success(
                    request,
                    _("A test was sent to %(email)s.") % {"email": request.user.email},
                )
            elif action == "send":
                count = services.newsletter_send(issue=issue, by=request.user)
                messages.success(
                    request,
                    _("Sending to %(n)s subscribers in the background.") % {"n": count},
                )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("library_admin:newsletter_send", pk=issue.pk)
    deliveries = issue.deliveries.aggregate(
        total=Count("pk"), sent=Count("pk", filter=~_null("sent_at"))
    )
    return TemplateResponse(
        request,
        "library/admin/newsletter_send.html",
        {
            "issue": issue,
            "subscribers": Subscriber.objects.filter(
                status=SubscriberStatus.ACTIVE
            ).count(),
            "deliveries": deliveries,
            "can_send": issue.live
            and not issue.has_unpublished_changes
            and not issue.is_sent,
        },
    )


def _null(field: str):
    from django.db.models import Q

    return Q(**{f"{field}__isnull": True})

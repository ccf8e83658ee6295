"""Views outside the page tree: the tag page, the newsletter's subscription links,
case-study submission and episode transcripts. Thin: forms, services, templates."""

from __future__ import annotations

import hashlib
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from taggit.models import Tag

from community.adapters import client_ip
from community.counters import bump

from . import contrib, permissions, services
from .conf import setting
from .forms import CaseStudyForm, PreferencesForm, SubscribeForm
from .models import LibraryIndexPage, LibraryItem, PodcastEpisodePage, SubscriberStatus
from .tokens import read_confirm_token, read_unsubscribe_token


def tag_detail(request, slug: str):
    """One topic across the site: library items, and whatever other apps tag."""
    tag = get_object_or_404(Tag, slug=slug)
    limit = setting("TAG_PAGE_ITEMS")
    items = list(
        LibraryItem.objects.live()
        .public()
        .filter(tagged_items__tag=tag)
        .order_by("-publication_date", "-pk")
        .only(
            "title", "url_path", "path", "depth", "kind", "summary", "publication_date"
        )[:limit]
    )
    index = LibraryIndexPage.objects.live().first()
    return render(
        request,
        "library/tag.html",
        {
            "tag": tag,
            "items": items,
            "groups": contrib.tagged_groups(request.user, tag, limit=limit),
            "index": index,
        },
    )


def transcript(request, pk: int):
    """An episode's transcript alone: what podcast apps fetch (``podcast:transcript``)
    and a light page for listeners who cannot afford the audio."""
    episode = PodcastEpisodePage.objects.live().public().filter(pk=pk).first()
    if episode is None:
        raise Http404
    return render(request, "library/transcript.html", {"episode": episode})


def _over_limit(key: str, limit: tuple[int, int]) -> bool:
    count, seconds = limit
    window = int(time.time() // seconds)
    return bump(f"library:{key}:{window}", timeout=seconds + 1) > count


@require_http_methods(["GET", "POST"])
def newsletter_subscribe(request):
    form = SubscribeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        ip = client_ip(request) or "unknown"
        if _over_limit(f"subscribe:ip:{ip}", setting("SUBSCRIBE_LIMIT_PER_IP")) or (
            _over_limit(
                f"subscribe:to:{hashlib.sha256(email.lower().encode()).hexdigest()}",
                setting("SUBSCRIBE_LIMIT_PER_ADDRESS"),
            )
        ):
            form.add_error(
                None,
                _(
                    "Too many sign-ups in a short time. Please try again later; "
                    "your address is still in the box."
                ),
            )
            status = 429
        else:
            services.subscription_request(email=email, language=get_language() or "")
            # The same answer whether or not the address was known: nobody learns
            # who subscribes.
            return render(request, "library/newsletter_check_email.html", {})
    return render(
        request, "library/newsletter_subscribe.html", {"form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
def newsletter_confirm(request, token: str):
    """GET shows a button; only POST confirms (mail scanners follow links)."""
    subscriber = read_confirm_token(token)
    if subscriber is None:
        return render(request, "library/newsletter_link_invalid.html", {}, status=400)
    if request.method == "POST":
        services.subscription_confirm(subscriber=subscriber)
        return render(request, "library/newsletter_done.html", {"subscribed": True})
    return render(
        request, "library/newsletter_confirm.html", {"subscriber": subscriber}
    )


@csrf_exempt  # the signed token is the proof; mail clients POST without a form
@require_http_methods(["GET", "POST"])
def newsletter_unsubscribe(request, token: str):
    """RFC 8058 one-click: a POST (from the mail client or the button) unsubscribes."""
    subscriber = read_unsubscribe_token(token)
    if subscriber is None:
        return render(request, "library/newsletter_link_invalid.html", {}, status=400)
    if request.method == "POST":
        services.subscription_unsubscribe(subscriber=subscriber)
        return render(request, "library/newsletter_done.html", {"subscribed": False})
    return render(
        request,
        "library/newsletter_unsubscribe.html",
        {"already": subscriber.status == SubscriberStatus.UNSUBSCRIBED},
    )


@login_required
@require_http_methods(["GET", "POST"])
def newsletter_preferences(request):
    subscription = getattr(request.user, "newsletter_subscription", None)
    subscribed = bool(subscription and subscription.status == SubscriberStatus.ACTIVE)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={"newsletter": subscribed},
    )
    if request.method == "POST" and form.is_valid():
        services.subscription_set_for_member(
            user=request.user, subscribed=form.cleaned_data["newsletter"]
        )
        messages.success(request, _("Your newsletter preference is saved."))
        return redirect("library:newsletter_preferences")
    return render(request, "library/newsletter_preferences.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def case_study_submit(request):
    facilities = permissions.submission_facilities(request.user)
    if not facilities.exists():
        raise PermissionDenied(
            _("Facility leads submit case studies for their facility.")
        )
    index = LibraryIndexPage.objects.live().first()
    if index is None:
        raise Http404
    form = CaseStudyForm(request.POST or None, facilities=facilities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.case_study_submit(
            user=request.user,
            index=index,
            facility=data["facility"],
            title=data["title"],
            summary=data["summary"],
            facility_type=data["facility_type"],
            setting_kind=data["setting"],
            population=data["population"],
            problem=data["problem"],
            how_found=data["how_found"],
            root_cause_tools=data["root_cause_tools"],
            changes=data["changes"],
            indicator=data["indicator"],
            unit=data["unit"],
            results=data["results"],
            lessons=data["lessons"],
            contacts=data["contacts"],
            tags=data["tags"],
        )
        return render(request, "library/case_study_thanks.html", {"index": index})
    return render(request, "library/case_study_form.html", {"form": form})

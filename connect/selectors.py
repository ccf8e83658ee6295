"""Reads for the needs pages, the triage page and the feed pages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from community import visibility
from community.models import Level, Organisation

from . import permissions
from .models import (
    OPEN_STATES,
    ExternalFeed,
    FeedItem,
    FeedKind,
    LearningNeed,
    NeedSupport,
    TaggedNeed,
)


def needs_list(
    user, *, query: str = "", tag: str = "", district: str = "", state: str = ""
) -> QuerySet[LearningNeed]:
    needs = LearningNeed.objects.visible_to(user)
    if query:
        needs = needs.filter(
            Q(title__icontains=query) | Q(description__icontains=query)
        )
    if tag:
        needs = needs.filter(tags__slug=tag)
    if district:
        needs = needs.filter(district__slug=district)
    if state == "open":
        needs = needs.filter(state__in=OPEN_STATES)
    elif state:
        needs = needs.filter(state=state)
    return (
        needs.select_related("organisation", "district")
        .prefetch_related(
            Prefetch("tagged_items", queryset=TaggedNeed.objects.select_related("tag"))
        )
        .distinct()
    )


def ranked_open_needs(user, limit: int = 50) -> list[LearningNeed]:
    return list(
        needs_list(user, state="open").order_by("-support_count", "created_at")[:limit]
    )


def district_counts(need: LearningNeed) -> list[dict]:
    """Per district: how many facilities (or members without one) need this. Counts
    only: which facility or person is never returned."""
    rows = (
        NeedSupport.objects.filter(need=need)
        .values("district__name")
        .annotate(
            facilities=Count("facility", distinct=True),
            members=Count("pk", filter=Q(facility=None)),
        )
        .order_by("district__name")
    )
    return [
        {
            "district": row["district__name"] or "",
            "count": row["facilities"] + row["members"],
        }
        for row in rows
    ]


@dataclass
class HeatMap:
    districts: list[Organisation]
    tags: list[str]
    cells: dict[tuple[int, str], int] = field(default_factory=dict)
    max_value: int = 0

    def value(self, district_id: int, tag: str) -> int:
        return self.cells.get((district_id, tag), 0)

    @property
    def rows(self) -> list[dict]:
        return [
            {
                "district": district,
                "values": [self.value(district.pk, tag) for tag in self.tags],
            }
            for district in self.districts
        ]


def heat_map(user, *, max_tags: int = 12) -> HeatMap:
    """District × tag: the support (facilities, counted once) behind open needs."""
    needs = LearningNeed.objects.visible_to(user).filter(state__in=OPEN_STATES)
    supports = (
        NeedSupport.objects.filter(need__in=needs)
        .exclude(district=None)
        .values("district_id", "need__tagged_items__tag__name")
        .annotate(
            facilities=Count("facility", distinct=True),
            members=Count("pk", filter=Q(facility=None)),
        )
    )
    cells: dict[tuple[int, str], int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for row in supports:
        tag = row["need__tagged_items__tag__name"]
        if not tag:
            continue
        value = row["facilities"] + row["members"]
        cells[(row["district_id"], tag)] += value
        totals[tag] += value
    tags = sorted(totals, key=lambda t: (-totals[t], t.lower()))[:max_tags]
    districts = list(Organisation.objects.filter(level=Level.DISTRICT).order_by("name"))
    shown = {key: v for key, v in cells.items() if key[1] in tags}
    return HeatMap(
        districts=districts,
        tags=tags,
        cells=shown,
        max_value=max(shown.values(), default=0),
    )


def feed_items(*, kind: str, limit: int) -> list[FeedItem]:
    return list(
        FeedItem.objects.filter(feed__active=True, feed__kind=kind)
        .select_related("feed")
        .order_by("-published_at", "-pk")[:limit]
    )


def partner_feeds(*, items_per_feed: int) -> list[ExternalFeed]:
    feeds = list(ExternalFeed.objects.filter(active=True, kind=FeedKind.PARTNER))
    by_feed: dict[int, list[FeedItem]] = defaultdict(list)
    for item in FeedItem.objects.filter(feed__in=feeds).order_by(
        "-published_at", "-pk"
    ):
        if len(by_feed[item.feed_id]) < items_per_feed:
            by_feed[item.feed_id].append(item)
    for feed in feeds:
        feed.latest = by_feed[feed.pk]
    return feeds


def need_supported_by(need: LearningNeed, user) -> dict[str, bool]:
    """For the page: does this member, or their facility, support the need already?"""
    if not getattr(user, "is_authenticated", False):
        return {"me": False, "facility": False}
    facility = permissions.support_facility(user)
    rows = NeedSupport.objects.filter(need=need).filter(
        Q(user=user) | Q(facility=facility) if facility else Q(user=user)
    )
    flags = {"me": False, "facility": False}
    for user_id, facility_id in rows.values_list("user_id", "facility_id"):
        flags["me"] |= user_id == user.pk
        flags["facility"] |= facility is not None and facility_id == facility.pk
    return flags


def answer_visible(user, answer) -> bool:
    """May this reader see the answer's title and link? Only if they could open what
    it points at (``community.visibility``): an answer made of a private thread or a
    restricted page is not named to those outside it."""
    if answer is None:
        return False
    if answer.content_type_id is None:
        return True  # a plain page address, checked public when it was given
    return visibility.can_view(user, answer.target)

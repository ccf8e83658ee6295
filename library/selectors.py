"""Read paths for library pages: the faceted index and what a resource page shows.

The index answers in a fixed number of queries whatever the page size or number of
facet values: one per facet, the count, the page, and two prefetches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear, Substr
from django.utils.translation import gettext as _

from . import contrib
from .conf import setting
from .models import Kind, LibraryItem, LibrarySectionPage

MAX_QUERY = 200
MAX_TAGS = 5
NATIONAL = "national"
PARAMS = ("type", "tag", "language", "district", "year", "q")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class Facet:
    key: str
    label: str
    values: list[FacetValue] = field(default_factory=list)

    @property
    def selected(self) -> list[FacetValue]:
        return [v for v in self.values if v.selected]


def parse_filters(params) -> dict:
    year = params.get("year", "")
    tags = sorted({t for t in params.getlist("tag") if t})[:MAX_TAGS]
    kind = params.get("type") or None
    return {
        "type": kind if kind in Kind.values else None,
        "tag": tags,
        "language": params.get("language") or None,
        "district": params.get("district") or None,
        "year": int(year) if year.isdigit() and len(year) == 4 else None,
        "q": params.get("q", "").strip()[:MAX_QUERY],
    }


def query_string(filters: dict, **changes) -> str:
    """A canonical query string (sorted keys and tags, no page): one URL per state,
    so every facet state is a plain, cacheable link."""
    state = {**filters, **changes}
    pairs = []
    for key in PARAMS:
        value = state.get(key)
        if key == "tag":
            pairs += [("tag", t) for t in sorted(value or [])]
        elif value not in (None, ""):
            pairs.append((key, str(value)))
    return "?" + urlencode(pairs) if pairs else "?"


def _sections(index) -> list[LibrarySectionPage]:
    return list(
        LibrarySectionPage.objects.child_of(index)
        .select_related("organisation")
        .only("path", "depth", "title", "organisation__slug", "organisation__name")
    )


def _district_q(slug: str, sections_by_slug: dict) -> Q | None:
    if slug == NATIONAL:
        q = Q()
        for section in sections_by_slug.values():
            q &= ~Q(path__startswith=section.path)
        return q
    section = sections_by_slug.get(slug)
    return Q(path__startswith=section.path) if section else None


def _search_ids(base, query: str) -> list[int]:
    results = base.search(query, operator="and")[: setting("SEARCH_LIMIT")]
    return [page.pk for page in results]


def library_listing(*, request, index, section=None) -> dict:
    filters = parse_filters(request.GET)
    sections = _sections(index) if index is not None else []
    by_slug = {s.organisation.slug: s for s in sections}
    by_path = {s.path: s for s in sections}
    if section is not None:
        filters["district"] = section.organisation.slug

    base = LibraryItem.objects.live().public()
    if index is not None:
        base = base.descendant_of(index)
    ranked: list[int] | None = None
    if filters["q"]:
        ranked = _search_ids(
            LibraryItem.objects.live().descendant_of(index)
            if index is not None
            else LibraryItem.objects.live(),
            filters["q"],
        )
        base = base.filter(pk__in=ranked)

    district_q = (
        _district_q(filters["district"], by_slug) if filters["district"] else None
    )

    def narrowed(skip: str | None = None):
        qs = base
        if filters["type"] and skip != "type":
            qs = qs.filter(kind=filters["type"])
        if filters["language"] and skip != "language":
            qs = qs.filter(languages__code=filters["language"])
        if filters["year"] and skip != "year":
            qs = qs.filter(publication_date__year=filters["year"])
        if district_q is not None and skip != "district":
            qs = qs.filter(district_q)
        for slug in filters["tag"]:
            # One join per tag: an item must carry every chosen tag.
            qs = qs.filter(
                pk__in=LibraryItem.objects.filter(tagged_items__tag__slug=slug)
            )
        return qs.order_by()

    facets = []
    link = lambda **changes: query_string(filters, **changes)  # noqa: E731

    kinds = dict(
        narrowed("type").values_list("kind").annotate(n=Count("pk", distinct=True))
    )
    facets.append(
        Facet(
            "type",
            _("Type"),
            [
                FacetValue(
                    k.value,
                    str(k.label),
                    kinds.get(k.value, 0),
                    filters["type"] == k.value,
                    link(type=None if filters["type"] == k.value else k.value),
                )
                for k in Kind
                if kinds.get(k.value) or filters["type"] == k.value
            ],
        )
    )

    tag_rows = list(
        narrowed()
        .filter(tagged_items__tag__isnull=False)
        .values_list("tagged_items__tag__slug", "tagged_items__tag__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "tagged_items__tag__name")[: setting("TAG_FACET_SIZE")]
    )
    facets.append(
        Facet(
            "tag",
            _("Topic"),
            [
                FacetValue(
                    slug,
                    name,
                    n,
                    slug in filters["tag"],
                    link(
                        tag=[t for t in filters["tag"] if t != slug]
                        if slug in filters["tag"]
                        else [*filters["tag"], slug]
                    ),
                )
                for slug, name, n in tag_rows
            ],
        )
    )

    language_rows = list(
        narrowed("language")
        .filter(languages__isnull=False)
        .values_list("languages__code", "languages__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("languages__name")
    )
    facets.append(
        Facet(
            "language",
            _("Language"),
            [
                FacetValue(
                    code,
                    name,
                    n,
                    filters["language"] == code,
                    link(language=None if filters["language"] == code else code),
                )
                for code, name, n in language_rows
            ],
        )
    )

    if section is None and index is not None:
        prefix = index.steplen * (index.depth + 1)
        district_counts: dict[str, int] = {}
        for section_path, n in (
            narrowed("district")
            .annotate(section_path=Substr("path", 1, prefix))
            .values_list("section_path")
            .annotate(n=Count("pk", distinct=True))
        ):
            owner = by_path.get(section_path)
            key = owner.organisation.slug if owner else NATIONAL
            district_counts[key] = district_counts.get(key, 0) + n
        choices = [(NATIONAL, _("National"))] + sorted(
            ((s.organisation.slug, s.organisation.name) for s in sections),
            key=lambda pair: pair[1],
        )
        facets.append(
            Facet(
                "district",
                _("District"),
                [
                    FacetValue(
                        slug,
                        str(label),
                        district_counts.get(slug, 0),
                        filters["district"] == slug,
                        link(district=None if filters["district"] == slug else slug),
                    )
                    for slug, label in choices
                    if district_counts.get(slug) or filters["district"] == slug
                ],
            )
        )

    year_rows = list(
        narrowed("year")
        .annotate(y=ExtractYear("publication_date"))
        .values_list("y")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-y")
    )
    facets.append(
        Facet(
            "year",
            _("Year"),
            [
                FacetValue(
                    str(y),
                    str(y),
                    n,
                    filters["year"] == y,
                    link(year=None if filters["year"] == y else y),
                )
                for y, n in year_rows
            ],
        )
    )

    results = narrowed()
    size = setting("PAGE_SIZE")
    number = request.GET.get("page") or 1
    if ranked is not None:
        # Relevance order: the search's ranking, kept for the ids the facets allow.
        allowed = set(results.values_list("pk", flat=True))
        ordered = [pk for pk in ranked if pk in allowed]
        paginator = Paginator(ordered, size)
        page_obj = _page(paginator, number)
        items = _items(LibraryItem.objects.filter(pk__in=list(page_obj.object_list)))
        position = {pk: i for i, pk in enumerate(page_obj.object_list)}
        items.sort(key=lambda item: position[item.pk])
    else:
        paginator = Paginator(
            results.order_by("-publication_date", "-pk").values_list("pk", flat=True),
            size,
        )
        page_obj = _page(paginator, number)
        items = _items(
            LibraryItem.objects.filter(pk__in=list(page_obj.object_list)).order_by(
                "-publication_date", "-pk"
            )
        )
    for item in items:
        owner = (
            by_path.get(item.path[: index.steplen * (index.depth + 1)])
            if index
            else None
        )
        item.district_name = owner.organisation.name if owner else ""
    active = [f for f in facets if f.selected]
    return {
        "filters": filters,
        "facets": facets,
        "active": active,
        "items": items,
        "page_obj": page_obj,
        "total": paginator.count,
        "hidden": [
            (key, value)
            for key in ("type", "language", "district", "year")
            if (value := filters[key])
            and not (section is not None and key == "district")
        ]
        + [("tag", t) for t in filters["tag"]],
        "section": section,
    }


def _page(paginator: Paginator, number):
    try:
        return paginator.page(number)
    except (EmptyPage, ValueError, TypeError):
        return paginator.page(paginator.num_pages if str(number).isdigit() else 1)


def _items(queryset) -> list[LibraryItem]:
    return list(
        queryset.only(
            "title",
            "slug",
            "url_path",
            "path",
            "depth",
            "kind",
            "summary",
            "publication_date",
            "content_type_id",
        ).prefetch_related("tagged_items__tag", "languages")
    )


def latest_items(user, *, limit: int = 5) -> list[LibraryItem]:
    return list(
        LibraryItem.objects.live()
        .public()
        .order_by("-publication_date", "-pk")
        .only(
            "title", "url_path", "path", "depth", "kind", "summary", "publication_date"
        )[:limit]
    )


def related_resources(item: LibraryItem, tag_ids: list[int], *, limit: int):
    if not tag_ids:
        return []
    return list(
        LibraryItem.objects.live()
        .public()
        .exclude(pk=item.pk)
        .filter(tagged_items__tag_id__in=tag_ids)
        .annotate(shared=Count("tagged_items", distinct=True))
        .order_by("-shared", "-publication_date")
        .only(
            "title", "url_path", "path", "depth", "kind", "summary", "publication_date"
        )[:limit]
    )


def item_context(*, request, item: LibraryItem) -> dict:
    from .permissions import section_organisation

    tags = list(item.tags.all())
    limit = setting("RELATED_ITEMS")
    return {
        "item_tags": tags,
        "item_languages": list(item.languages.all()),
        "item_district": section_organisation(item),
        "related_resources": related_resources(item, [t.pk for t in tags], limit=limit),
        "related_discussions": contrib.related_items(
            request.user, [t.slug for t in tags], key="discussions", limit=limit
        ),
    }

"""Read paths for library pages: the faceted index and what a resource page shows.

The index answers in a fixed number of queries whatever the page size or number of
facet values: the search (if any), the page, and its prefetches. Facets are counted
in memory over the worker's facet index (``library.facets``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.apps import apps
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count
from django.utils.translation import gettext as _

from community import fulltext

from . import contrib
from .conf import setting
from .facets import NATIONAL, facet_index
from .models import Kind, LibraryItem

MAX_QUERY = 200
MAX_TAGS = 5
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


def _search_ids(base, query: str) -> list[int]:
    """Library items matching every word, best first (up to ``SEARCH_LIMIT``)."""
    if fulltext.available():
        models = [m for m in apps.get_models() if issubclass(m, LibraryItem)]
        return fulltext.ranked_ids(models, query, limit=setting("SEARCH_LIMIT"))
    results = base.search(query, operator="and")[: setting("SEARCH_LIMIT")]
    return [page.pk for page in results]


def library_listing(*, request, index, section=None) -> dict:
    filters = parse_filters(request.GET)
    if section is not None:
        filters["district"] = section.organisation.slug
    facets_in = facet_index(index)
    rows = facets_in.rows
    tag_names, language_names = facets_in.tag_names, facets_in.language_names
    candidates = rows  # newest first
    if filters["q"]:
        # Best match first. The facet index holds only live, public items; the
        # search may match others.
        found = _search_ids(
            LibraryItem.objects.live().descendant_of(index), filters["q"]
        )
        candidates = [pk for pk in found if pk in rows]
    district = filters["district"]
    known = {s.slug for s in facets_in.sections}
    if district is not None and district != NATIONAL and district not in known:
        district = None  # an unknown district narrows nothing

    tally = facets_in.tally(
        candidates,
        kind=filters["type"],
        tags=filters["tag"],
        language=filters["language"],
        year=filters["year"],
        district=district,
    )
    kinds = tally.counts["type"]
    tag_counts = tally.counts["tag"]
    language_counts = tally.counts["language"]
    district_counts = tally.counts["district"]
    year_counts = tally.counts["year"]

    facets = []
    link = lambda **changes: query_string(filters, **changes)  # noqa: E731

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

    tag_rows = sorted(tag_counts.items(), key=lambda kv: (-kv[1], tag_names[kv[0]]))
    facets.append(
        Facet(
            "tag",
            _("Topic"),
            [
                FacetValue(
                    slug,
                    tag_names[slug],
                    n,
                    slug in filters["tag"],
                    link(
                        tag=[t for t in filters["tag"] if t != slug]
                        if slug in filters["tag"]
                        else [*filters["tag"], slug]
                    ),
                )
                for slug, n in tag_rows[: setting("TAG_FACET_SIZE")]
            ],
        )
    )

    facets.append(
        Facet(
            "language",
            _("Language"),
            [
                FacetValue(
                    code,
                    language_names[code],
                    n,
                    filters["language"] == code,
                    link(language=None if filters["language"] == code else code),
                )
                for code, n in sorted(
                    language_counts.items(), key=lambda kv: language_names[kv[0]]
                )
            ],
        )
    )

    if section is None:
        choices = [(NATIONAL, _("National"))] + sorted(
            ((s.slug, s.name) for s in facets_in.sections),
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
                for y, n in sorted(year_counts.items(), reverse=True)
            ],
        )
    )

    ordered = tally.allowed  # in the candidates' order
    size = setting("PAGE_SIZE")
    number = request.GET.get("page") or 1
    paginator = Paginator(ordered, size)
    page_obj = _page(paginator, number)
    items = _items(LibraryItem.objects.filter(pk__in=list(page_obj.object_list)))
    position = {pk: i for i, pk in enumerate(page_obj.object_list)}
    items.sort(key=lambda item: position[item.pk])
    for item in items:
        owner = facets_in.district_of(item.path)
        item.district_name = owner.name if owner else ""
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

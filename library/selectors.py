"""Read paths for library pages: the faceted index and what a resource page shows.

The index answers in a fixed number of queries whatever the page size or number of
facet values: the candidates with their facet fields, their tags, their languages
(counted in memory), the page, and its prefetches.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from . import contrib
from .conf import setting
from .models import Kind, LibraryItem, LibrarySectionPage, TaggedLibraryItem

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
    """Library items matching every word, best first (up to ``SEARCH_LIMIT``)."""
    if _postgres_index():
        return _postgres_search_ids(query)
    results = base.search(query, operator="and")[: setting("SEARCH_LIMIT")]
    return [page.pk for page in results]


def _postgres_index() -> bool:
    from django.db import connection
    from wagtail.search.backends import get_search_backend

    # Wagtail 8's database backend lives in the modelsearch package.
    backend = type(get_search_backend())
    return connection.vendor == "postgresql" and ".database.postgres" in (
        backend.__module__
    )


def _postgres_search_ids(query: str) -> list[int]:
    """The same index Wagtail's PostgreSQL backend writes, read through its GIN indexes.

    The backend's own query matches ``title || body`` (an expression no index covers),
    so it scans every index entry: about 40 ms at 10,000 resources. Matching title or
    body separately lets PostgreSQL combine the two GIN indexes; ranking the few
    hundred matches is then cheap. The caller keeps only live, public items.
    """
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from django.db.models import F
    from wagtail.search.models import IndexEntry

    models = [m for m in apps.get_models() if issubclass(m, LibraryItem)]
    types = [ct.pk for ct in ContentType.objects.get_for_models(*models).values()]
    words = SearchQuery(query, search_type="plain")
    matches = (
        IndexEntry.objects.filter(content_type_id__in=types)
        .filter(Q(title=words) | Q(body=words))
        .annotate(rank=SearchRank(F("title"), words) * 2 + SearchRank(F("body"), words))
        .order_by("-rank", "-object_id")
        .values_list("object_id", flat=True)[: setting("SEARCH_LIMIT")]
    )
    seen: set[int] = set()
    ranked = []
    for object_id in matches:
        pk = int(object_id)
        if pk not in seen:  # one entry per model an item is indexed as
            seen.add(pk)
            ranked.append(pk)
    return ranked


def _facet_data(base, prefix: int | None, by_path: dict):
    """Everything the facets need about the candidate items, in three queries.

    Counting in the database took one ``COUNT(DISTINCT …)`` join per facet, and with a
    search narrowing to hundreds of ids each took most of a second on PostgreSQL at
    10,000 resources; counting these rows in memory takes milliseconds.
    """
    rows = {}
    for pk, kind, published, path in base.order_by().values_list(
        "pk", "kind", "publication_date", "path"
    ):
        owner = by_path.get(path[:prefix]) if prefix else None
        district = owner.organisation.slug if owner else NATIONAL
        rows[pk] = (kind, published, district)
    ids = base.order_by().values("pk")
    tags: dict[int, set[str]] = {}
    tag_names: dict[str, str] = {}
    for pk, slug, name in TaggedLibraryItem.objects.filter(
        content_object_id__in=ids
    ).values_list("content_object_id", "tag__slug", "tag__name"):
        tags.setdefault(pk, set()).add(slug)
        tag_names[slug] = name
    languages: dict[int, set[str]] = {}
    language_names: dict[str, str] = {}
    through = LibraryItem.languages.through
    for pk, code, name in through.objects.filter(libraryitem_id__in=ids).values_list(
        "libraryitem_id", "language__code", "language__name"
    ):
        languages.setdefault(pk, set()).add(code)
        language_names[code] = name
    return rows, tags, tag_names, languages, language_names


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

    prefix = index.steplen * (index.depth + 1) if index is not None else None
    rows, tags, tag_names, languages, language_names = _facet_data(
        base, prefix, by_path
    )
    district = filters["district"]
    if district is not None and district != NATIONAL and district not in by_slug:
        district = None  # an unknown district narrows nothing

    def passes(pk: int, skip: str | None = None) -> bool:
        kind, published, item_district = rows[pk]
        if filters["type"] and skip != "type" and kind != filters["type"]:
            return False
        if (
            filters["language"]
            and skip != "language"
            and filters["language"] not in languages.get(pk, ())
        ):
            return False
        if (
            filters["year"]
            and skip != "year"
            and (published is None or published.year != filters["year"])
        ):
            return False
        if district is not None and skip != "district" and item_district != district:
            return False
        return all(slug in tags.get(pk, ()) for slug in filters["tag"])

    def counts(skip: str | None, values) -> dict:
        found: dict = {}
        for pk in rows:
            if passes(pk, skip):
                for value in values(pk):
                    found[value] = found.get(value, 0) + 1
        return found

    facets = []
    link = lambda **changes: query_string(filters, **changes)  # noqa: E731

    kinds = counts("type", lambda pk: (rows[pk][0],))
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

    tag_counts = counts(None, lambda pk: tags.get(pk, ()))
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

    language_counts = counts("language", lambda pk: languages.get(pk, ()))
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

    if section is None and index is not None:
        district_counts = counts("district", lambda pk: (rows[pk][2],))
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

    year_counts = counts(
        "year", lambda pk: () if rows[pk][1] is None else (rows[pk][1].year,)
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

    allowed = [pk for pk in rows if passes(pk)]
    if ranked is not None:
        # Relevance order: the search's ranking, kept for the ids the facets allow.
        keep = set(allowed)
        ordered = [pk for pk in ranked if pk in keep]
    else:
        oldest = dt.date.min
        ordered = sorted(
            allowed, key=lambda pk: (rows[pk][1] or oldest, pk), reverse=True
        )
    size = setting("PAGE_SIZE")
    number = request.GET.get("page") or 1
    paginator = Paginator(ordered, size)
    page_obj = _page(paginator, number)
    items = _items(LibraryItem.objects.filter(pk__in=list(page_obj.object_list)))
    position = {pk: i for i, pk in enumerate(page_obj.object_list)}
    items.sort(key=lambda item: position[item.pk])
    for item in items:
        owner = by_path.get(item.path[:prefix]) if prefix else None
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

"""The facet index: what the library index counts, kept in memory per worker.

Every library index page counts facets over its live, public items. Fetching each
item's type, date, district, tags and languages on every request cost more than the
rest of the page at 10,000 resources (three queries returning every candidate row),
so each worker keeps those fields in memory, per index page, and rebuilds them when
the library changes.

"Changes" is a version token in the shared cache: anything that can alter a facet
(a page saved, published, unpublished, moved or deleted; a view restriction; a tag
renamed or merged; a language; a district's name) replaces the token, once at once
and again when the transaction commits, so that another worker cannot rebuild from
data that is not yet committed and keep it. A worker that sees a new token rebuilds on
its next request; ``FACET_INDEX_SECONDS`` bounds how long any copy lives in any case.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from .conf import setting

VERSION_KEY = "library:facet-index:version"
NATIONAL = "national"
BROWSING_STATES = 256  # tallies kept per index page before starting afresh


@dataclass(frozen=True)
class Section:
    path: str
    slug: str
    name: str


@dataclass(frozen=True)
class Tally:
    counts: dict[str, dict]  # facet key -> value -> number of items
    allowed: list[int]  # items passing every filter, in candidate order


@dataclass(frozen=True)
class FacetIndex:
    """Facet fields of every live, public item below one library index page."""

    # pk -> (kind, publication date, district slug or NATIONAL)
    rows: dict[int, tuple[str, dt.date | None, str]]
    tags: dict[int, frozenset[str]]
    tag_names: dict[str, str]
    languages: dict[int, frozenset[str]]
    language_names: dict[str, str]
    sections: tuple[Section, ...]
    by_path: dict[str, Section]
    prefix: int

    # Tallies of browsing states (no search), which every visitor shares.
    browsing: dict[tuple, Tally] = field(default_factory=dict, compare=False)

    def district_of(self, path: str) -> Section | None:
        return self.by_path.get(path[: self.prefix])

    def tally(self, candidates, *, kind, tags, language, year, district) -> Tally:
        """Count every facet's values and list the items that pass every filter.

        A facet's counts apply every filter but its own (so choosing a type still
        shows how many items each other type has), except topics, which combine. One
        pass: an item that fails one filter counts only in that filter's facet.
        ``candidates`` keeps its order in ``allowed`` (the index is newest first).
        """
        key = None
        if candidates is self.rows:
            key = (kind, tuple(tags), language, year, district)
            if key in self.browsing:
                return self.browsing[key]
        rows, item_tags, item_languages = self.rows, self.tags, self.languages
        none: frozenset[str] = frozenset()
        counts: dict[str, dict] = {
            "type": {},
            "tag": {},
            "language": {},
            "district": {},
            "year": {},
        }
        allowed = []
        for pk in candidates:
            item_kind, published, item_district = rows[pk]
            these_tags = item_tags.get(pk, none)
            these_languages = item_languages.get(pk, none)
            failed = None
            if tags and not all(t in these_tags for t in tags):
                continue  # topics combine: no facet counts this item
            for name, ok in (
                ("type", not kind or item_kind == kind),
                ("language", not language or language in these_languages),
                (
                    "year",
                    not year or (published is not None and published.year == year),
                ),
                ("district", district is None or item_district == district),
            ):
                if not ok:
                    if failed is not None:
                        break
                    failed = name
            else:
                if failed is None:
                    allowed.append(pk)
                    self._add(counts, "type", (item_kind,))
                    self._add(counts, "tag", these_tags)
                    self._add(counts, "language", these_languages)
                    self._add(counts, "district", (item_district,))
                    if published is not None:
                        self._add(counts, "year", (published.year,))
                else:
                    values = {
                        "type": (item_kind,),
                        "language": these_languages,
                        "district": (item_district,),
                        "year": () if published is None else (published.year,),
                    }[failed]
                    self._add(counts, failed, values)
        result = Tally(counts=counts, allowed=allowed)
        if key is not None:
            if len(self.browsing) >= BROWSING_STATES:
                self.browsing.clear()
            self.browsing[key] = result
        return result

    @staticmethod
    def _add(counts: dict, facet: str, values) -> None:
        found = counts[facet]
        for value in values:
            found[value] = found.get(value, 0) + 1


_memo: dict[int, tuple[str, float, FacetIndex]] = {}
_lock = threading.Lock()


def version() -> str:
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(VERSION_KEY) or ""
    return token


def changed(**kwargs) -> None:
    """Signal receiver: the library changed; every worker rebuilds on its next read."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def forget() -> None:
    """Drop this worker's copies (tests use it between databases)."""
    _memo.clear()


def facet_index(index) -> FacetIndex:
    token = version()
    now = time.monotonic()
    held = _memo.get(index.pk)
    if held and held[0] == token and now - held[1] < setting("FACET_INDEX_SECONDS"):
        return held[2]
    built = build(index)
    with _lock:
        _memo[index.pk] = (token, now, built)
    return built


def build(index) -> FacetIndex:
    """Read the facet fields in four queries: sections, items, tags, languages."""
    from .models import LibraryItem, LibrarySectionPage, TaggedLibraryItem

    sections = tuple(
        Section(path, slug, name)
        for path, slug, name in LibrarySectionPage.objects.child_of(index)
        .order_by("path")
        .values_list("path", "organisation__slug", "organisation__name")
    )
    prefix = index.steplen * (index.depth + 1)
    by_path = {s.path: s for s in sections}
    rows = {}  # newest first: the index's order when there is no search
    for pk, kind, published, path in (
        LibraryItem.objects.live()
        .public()
        .descendant_of(index)
        .order_by(F("publication_date").desc(nulls_last=True), "-pk")
        .values_list("pk", "kind", "publication_date", "path")
    ):
        owner = by_path.get(path[:prefix])
        rows[pk] = (kind, published, owner.slug if owner else NATIONAL)
    tags: dict[int, set[str]] = {}
    tag_names: dict[str, str] = {}
    for pk, slug, name in TaggedLibraryItem.objects.filter(
        content_object__path__startswith=index.path
    ).values_list("content_object_id", "tag__slug", "tag__name"):
        if pk in rows:
            tags.setdefault(pk, set()).add(slug)
            tag_names[slug] = name
    languages: dict[int, set[str]] = {}
    language_names: dict[str, str] = {}
    through = LibraryItem.languages.through
    for pk, code, name in through.objects.filter(
        libraryitem__path__startswith=index.path
    ).values_list("libraryitem_id", "language__code", "language__name"):
        if pk in rows:
            languages.setdefault(pk, set()).add(code)
            language_names[code] = name
    return FacetIndex(
        rows=rows,
        tags={pk: frozenset(v) for pk, v in tags.items()},
        tag_names=tag_names,
        languages={pk: frozenset(v) for pk, v in languages.items()},
        language_names=language_names,
        sections=sections,
        by_path=by_path,
        prefix=prefix,
    )


def connect() -> None:
    """Replace the version whenever something a facet shows may have changed."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from taggit.models import Tag
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from community.models import Organisation

    from .models import LibraryItem, TaggedLibraryItem
    from .models.base import Language

    uid = "library-facet-index"
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(changed, dispatch_uid=uid)
    for model in (PageViewRestriction, Tag, TaggedLibraryItem, Language, Organisation):
        post_save.connect(changed, sender=model, dispatch_uid=uid)
        post_delete.connect(changed, sender=model, dispatch_uid=uid)
    post_save.connect(_page_saved, dispatch_uid=uid)
    post_delete.connect(_page_saved, dispatch_uid=uid)
    m2m_changed.connect(changed, sender=LibraryItem.languages.through, dispatch_uid=uid)


def _page_saved(sender, instance=None, **kwargs) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        changed()

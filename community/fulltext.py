"""Full-text matches read straight from Wagtail's PostgreSQL search index.

Wagtail 8's PostgreSQL backend (``modelsearch``) matches ``title || body``, an
expression no index covers, so every search scans the whole index and ranks every
entry: about 40 ms for 10,000 library items and over a second for 40,000 forum posts
on two cores. Matching the title or the body separately lets PostgreSQL combine the
two GIN indexes the backend already keeps; ranking only the matches is then cheap.

The index is the backend's own (same rows, same tsvectors), so what is indexed, and
what is not (an anonymous post's author, for one), does not change. What the reader
may see is applied inside the same query (``within``).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q
from django.db.models.functions import Cast


def available() -> bool:
    """True where Wagtail searches PostgreSQL's own full-text index."""
    from wagtail.search.backends import get_search_backend

    backend = type(get_search_backend())
    return connection.vendor == "postgresql" and ".database.postgres" in (
        backend.__module__
    )


def ranked_ids(models, query: str, *, limit: int, within=None) -> list[int]:
    """Primary keys of ``models`` rows matching every word of ``query``, best first
    (title matches weigh double), at most ``limit``.

    ``within``, a queryset of the one model searched, is what the reader may see: it
    is applied inside the index query (each match probes the table's primary key),
    so ``limit`` can be the number of results wanted."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from wagtail.search.models import IndexEntry

    types = [ct.pk for ct in ContentType.objects.get_for_models(*models).values()]
    words = SearchQuery(query, search_type="plain")
    entries = IndexEntry.objects.filter(content_type_id__in=types)
    if within is not None:
        key = Cast(OuterRef("object_id"), BigIntegerField())
        entries = entries.filter(Exists(within.filter(pk=key)))
    matches = (
        entries.filter(Q(title=words) | Q(body=words))
        .annotate(rank=SearchRank(F("title"), words) * 2 + SearchRank(F("body"), words))
        .order_by("-rank", "-object_id")
        .values_list("object_id", flat=True)[:limit]
    )
    seen: set[int] = set()
    ranked = []
    for object_id in matches:
        pk = int(object_id)
        if pk not in seen:  # one entry per model an object is indexed as
            seen.add(pk)
            ranked.append(pk)
    return ranked

"""Library search benchmark: 10,000 resources on PostgreSQL.

    python -m bench.library [--resources 10000] [--requests 300] [--reseed]

Builds (once) a library of ``--resources`` live resource pages with summaries, tags,
languages, districts and years in a separate PostgreSQL database
(``BENCH_LIBRARY_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/
cop_bench_library``; created if missing), then requests the library index with a search
query — alone and combined with facets — through Django's request handler in this
process, sequentially, and reports the time per request (p50/p90/p99) for the whole
page: search, facet counts and rendering. The search alone, browsing without a search,
and rebuilding the in-memory facet index (what the first request after a change to the
library pays) are timed too. Writes ``bench/results/library-latest.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cop_bench_library"
BUDGET_P50_MS = 50.0

TOPICS = [
    "postpartum haemorrhage",
    "pre-eclampsia",
    "neonatal resuscitation",
    "kangaroo mother care",
    "hypothermia",
    "newborn sepsis",
    "partograph",
    "infection prevention",
    "hand hygiene",
    "respectful care",
    "referral",
    "triage",
    "oxygen",
    "breastfeeding",
    "antenatal care",
    "maternal death review",
    "clinical audit",
    "run charts",
    "PDSA cycles",
    "data quality",
]
WORDS = [
    "checklist",
    "audit",
    "huddle",
    "handover",
    "shift",
    "ward",
    "midwife",
    "nurse",
    "facility",
    "district",
    "baseline",
    "change",
    "idea",
    "tested",
    "worked",
    "adapted",
    "guideline",
    "tool",
    "template",
    "policy",
    "register",
    "chart",
    "indicator",
    "measure",
    "supply",
    "stock",
    "training",
    "mentor",
    "coach",
    "visit",
    "labour",
    "delivery",
    "newborn",
    "mother",
    "family",
    "community",
    "night",
    "weekend",
    "team",
]
QUERIES = [
    "haemorrhage",
    "partograph audit",
    "kangaroo",
    "hand hygiene",
    "sepsis newborn",
    "oxygen",
    "triage referral",
    "run charts",
    "respectful",
    "checklist",
]


def database(url: str) -> None:
    """Create the benchmark database when it does not exist."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cop_site.settings.dev"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DEMO_PASSWORD", "bench-not-secret")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(total: int) -> float:
    """Top the library up to ``total`` resources. Returns the seconds it took."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from library.models import (
        LibraryIndexPage,
        LibraryItem,
        LibrarySectionPage,
        ResourcePage,
    )
    from library.models.base import Language

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)  # as `make setup`
    if not LibraryIndexPage.objects.exists():
        call_command("seed_demo", "--quiet-accounts")
    index = LibraryIndexPage.objects.live().first()
    parents = [index, *LibrarySectionPage.objects.child_of(index).live()]
    languages = list(Language.objects.all())
    have = LibraryItem.objects.live().count()
    rng = random.Random(have)
    kinds = ["tool", "guideline", "policy", "template"]
    batch = 250
    while have < total:
        with transaction.atomic():
            for n in range(have, min(total, have + batch)):
                topic = rng.choice(TOPICS)
                words = " ".join(rng.sample(WORDS, 12))
                page = ResourcePage(
                    title=f"{topic.capitalize()}: {rng.choice(WORDS)} {n}",
                    slug=f"bench-{n}",
                    kind=rng.choice(kinds),
                    summary=f"How facilities handle {topic}: {words}.",
                    publication_date=dt.date(rng.randint(2014, 2026), 1 + n % 12, 1),
                    body=[("paragraph", f"<p>{words} {topic} {words}</p>")],
                )
                page.tags.add(topic, rng.choice(TOPICS))
                page.languages = rng.sample(languages, k=min(len(languages), 1 + n % 2))
                rng.choice(parents).add_child(instance=page)
        have = LibraryItem.objects.live().count()
        print(f"  {have} resources", flush=True)
    # Fresh tables have no planner statistics until autovacuum comes round; without
    # them PostgreSQL picks nested loops that take seconds per page.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(requests: int) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from library import facets
    from library.models import LibraryIndexPage, LibraryItem
    from library.selectors import _search_ids

    index = LibraryIndexPage.objects.live().first()
    url = index.url
    client = Client(HTTP_HOST="127.0.0.1")
    tags = ["postpartum-haemorrhage", "partograph", "hypothermia", "triage"]
    paths = []
    for i in range(requests):
        q = QUERIES[i % len(QUERIES)]
        if i % 3 == 0:
            paths.append(f"{url}?q={q}")
        elif i % 3 == 1:
            paths.append(f"{url}?q={q}&type=tool&tag={tags[i % len(tags)]}")
        else:
            paths.append(f"{url}?q={q}&year={2016 + i % 10}&page=2")
    for path in paths[:20]:  # warm caches and connections
        assert client.get(path).status_code == 200, path
    page_ms, queries = [], []
    for path in paths:
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            page_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
        queries.append(len(captured))
    browse_ms = []
    for i in range(requests // 3):
        path = url if i % 2 else f"{url}?tag={tags[i % len(tags)]}&page={1 + i % 3}"
        started = time.perf_counter()
        response = client.get(path)
        browse_ms.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    rebuild_ms = []
    for _ in range(10):
        started = time.perf_counter()
        facets.build(index)
        rebuild_ms.append((time.perf_counter() - started) * 1000)
    base = LibraryItem.objects.live().descendant_of(index)
    search_ms, hits = [], []
    for i in range(requests):
        started = time.perf_counter()
        ids = _search_ids(base, QUERIES[i % len(QUERIES)])
        search_ms.append((time.perf_counter() - started) * 1000)
        hits.append(len(ids))
    return {
        "resources": LibraryItem.objects.live().count(),
        "page": page_ms,
        "search": search_ms,
        "browse": browse_ms,
        "rebuild": rebuild_ms,
        "queries": queries,
        "hits": hits,
    }


def report(result: dict, seeded_s: float, db_url: str) -> str:
    def row(name, values):
        return (
            f"| {name} | {statistics.median(values):.1f} | "
            f"{percentile(values, 0.9):.1f} | {percentile(values, 0.99):.1f} |"
        )

    p50 = statistics.median(result["page"])
    verdict = "meets" if p50 <= BUDGET_P50_MS else "does NOT meet"
    server = db_url.split("@")[-1].rsplit("/", 1)[0]
    lines = [
        f"# Library search benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"- {result['resources']:,} live library items on PostgreSQL ({server});"
        f" seeding this run took {seeded_s:.0f} s",
        f"- {len(result['page'])} sequential requests of the library index with a"
        " search query (a third also with type + tag facets, a third with a year"
        " facet and page 2), through Django's handler in one process",
        f"- queries per page: {min(result['queries'])}–{max(result['queries'])};"
        f" matches per search: {min(result['hits'])}–{max(result['hits'])}",
        "",
        "| measured | p50 ms | p90 ms | p99 ms |",
        "| --- | ---: | ---: | ---: |",
        row("whole search page (search, facet counts, render)", result["page"]),
        row("the full-text search alone", result["search"]),
        row("library index without a search (all, or one topic)", result["browse"]),
        row(
            "rebuilding a worker's facet index (once after any library change)",
            result["rebuild"],
        ),
        "",
        f"Budget: library search p50 ≤ {BUDGET_P50_MS:.0f} ms — this run {verdict} it"
        f" (p50 {p50:.1f} ms).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild")
    args = parser.parse_args()
    db_url = os.environ.get("BENCH_LIBRARY_DATABASE_URL", DEFAULT_DB)
    if args.reseed:
        import psycopg
        from psycopg import sql

        name = db_url.rsplit("/", 1)[1]
        admin = db_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
            )
    database(db_url)
    setup_django(db_url)
    print(f"Seeding up to {args.resources:,} resources (once; later runs reuse them)")
    seeded_s = seed(args.resources)
    result = measure(args.requests)
    text = report(result, seeded_s, db_url)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"library-{dt.datetime.now():%Y%m%d-%H%M}.md").write_text(text)
    (RESULTS / "library-latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()

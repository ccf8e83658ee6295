"""The in-memory facet index: counted the way the facets promise, read without facet
queries once warm, and replaced whenever the library changes (here and, after the
commit, in every other worker)."""

import datetime as dt
import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag
from wagtail.models import PageViewRestriction

from library import facets
from library.facets import NATIONAL, FacetIndex, Section

from .conftest import make_resource
from .test_index import facet, get, titles


def _queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_a_warm_index_reads_no_facet_rows(client, library, monkeypatch):
    make_resource(library.index, "PPH bundle", tags=("pph",), languages=("en", "fr"))
    builds = []
    build = facets.build
    monkeypatch.setattr(facets, "build", lambda index: builds.append(1) or build(index))
    url = library.index.url + "?tag=pph"
    cold = _queries(client, url)
    warm = _queries(client, url)
    assert builds == [1]
    # The four facet queries (sections, items, tags, languages) are gone once warm.
    assert len(warm) <= len(cold) - 4


def test_publishing_and_unpublishing_change_the_counts(client, library):
    make_resource(library.index, "PPH bundle", tags=("pph",))
    assert facet(get(client, library), "tag") == {"pph": 1}
    second = make_resource(library.section, "PPH trolley", tags=("pph",))
    html = get(client, library)
    assert facet(html, "tag") == {"pph": 2}
    assert facet(html, "district") == {"National": 1, "North": 1}
    second.unpublish()
    assert facet(get(client, library), "tag") == {"pph": 1}
    assert "PPH trolley" not in get(client, library, "?q=trolley")


def test_renaming_a_tag_renames_its_facet_value(client, library):
    make_resource(library.index, "PPH bundle", tags=("pph",))
    assert facet(get(client, library), "tag") == {"pph": 1}
    tag = Tag.objects.get(slug="pph")
    tag.name = "Postpartum haemorrhage"
    tag.save()
    assert facet(get(client, library), "tag") == {"Postpartum haemorrhage": 1}


def test_a_view_restriction_hides_a_sections_items_from_facets_and_search(
    client, library
):
    make_resource(library.index, "National trolley", tags=("pph",))
    make_resource(library.section, "North trolley", tags=("pph",))
    assert facet(get(client, library), "tag") == {"pph": 2}
    PageViewRestriction.objects.create(
        page=library.section, restriction_type=PageViewRestriction.LOGIN
    )
    html = get(client, library)
    assert facet(html, "tag") == {"pph": 1}
    assert titles(get(client, library, "?q=trolley")) == ["National trolley"]


def test_moving_an_item_into_a_section_changes_its_district(client, library):
    item = make_resource(library.index, "PPH bundle", tags=("pph",))
    assert facet(get(client, library), "district") == {"National": 1}
    item.move(library.section, pos="last-child")
    assert facet(get(client, library), "district") == {"North": 1}


def test_a_change_replaces_the_version_now_and_again_on_commit(
    db,
    django_capture_on_commit_callbacks,
):
    before = facets.version()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        facets.changed()
    now = facets.version()
    assert now != before
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: a worker that rebuilt from uncommitted rows rebuilds
    assert facets.version() not in (before, now)


def test_another_workers_change_is_seen_through_the_shared_version(library):
    first = facets.facet_index(library.index)
    assert facets.facet_index(library.index) is first
    facets._bump()  # what a commit in another worker does to the shared cache
    assert facets.facet_index(library.index) is not first


def test_a_copy_lives_at_most_the_configured_seconds(library, settings):
    first = facets.facet_index(library.index)
    settings.LIBRARY = {"FACET_INDEX_SECONDS": 0}
    assert facets.facet_index(library.index) is not first


def test_browsing_states_are_tallied_once(library):
    make_resource(library.index, "PPH bundle", tags=("pph",))
    index = facets.facet_index(library.index)
    state = dict(kind=None, tags=["pph"], language=None, year=None, district=None)
    assert index.tally(index.rows, **state) is index.tally(index.rows, **state)
    # A search's candidates are not shared between visitors: never kept.
    found = list(index.rows)
    assert index.tally(found, **state) is not index.tally(found, **state)


# --- The one-pass tally against the definition, on random libraries ---------------


def _naive(index: FacetIndex, candidates, kind, tags, language, year, district):
    """Each facet applies every filter but its own; topics apply all of them."""

    def passes(pk, skip):
        item_kind, published, item_district = index.rows[pk]
        return (
            (skip == "type" or not kind or item_kind == kind)
            and (
                skip == "language"
                or not language
                or language in index.languages.get(pk, ())
            )
            and (
                skip == "year"
                or not year
                or (published is not None and published.year == year)
            )
            and (skip == "district" or district is None or item_district == district)
            and all(t in index.tags.get(pk, ()) for t in tags)
        )

    values = {
        "type": lambda pk: (index.rows[pk][0],),
        "tag": lambda pk: index.tags.get(pk, ()),
        "language": lambda pk: index.languages.get(pk, ()),
        "district": lambda pk: (index.rows[pk][2],),
        "year": lambda pk: (
            () if index.rows[pk][1] is None else (index.rows[pk][1].year,)
        ),
    }
    counts = {}
    for key, of in values.items():
        found = {}
        for pk in candidates:
            if passes(pk, None if key == "tag" else key):
                for value in of(pk):
                    found[value] = found.get(value, 0) + 1
        counts[key] = found
    return counts, [pk for pk in candidates if passes(pk, None)]


def _random_index(rng) -> FacetIndex:
    kinds, topics = ["tool", "guideline", "policy"], ["pph", "kmc", "sepsis", "audit"]
    rows, tags, languages = {}, {}, {}
    for pk in range(1, 120):
        published = (
            None if rng.random() < 0.1 else dt.date(rng.randint(2020, 2023), 1, 1)
        )
        rows[pk] = (
            rng.choice(kinds),
            published,
            rng.choice([NATIONAL, "north", "south"]),
        )
        tags[pk] = frozenset(rng.sample(topics, rng.randint(0, 3)))
        languages[pk] = frozenset(rng.sample(["en", "fr"], rng.randint(0, 2)))
    sections = (Section("00010001", "north", "North"),)
    return FacetIndex(
        rows=rows,
        tags=tags,
        tag_names={t: t for t in topics},
        languages=languages,
        language_names={"en": "English", "fr": "French"},
        sections=sections,
        by_path={s.path: s for s in sections},
        prefix=8,
    )


@pytest.mark.parametrize("seed", range(5))
def test_the_one_pass_tally_matches_the_definition(seed):
    rng = random.Random(seed)
    index = _random_index(rng)
    states = itertools.product(
        [None, "tool"],
        [[], ["pph"], ["kmc", "pph"]],
        [None, "fr"],
        [None, 2021],
        [None, "north", NATIONAL],
    )
    for kind, tags, language, year, district in states:
        for candidates in (index.rows, rng.sample(list(index.rows), 60)):
            tally = index.tally(
                candidates,
                kind=kind,
                tags=tags,
                language=language,
                year=year,
                district=district,
            )
            counts, allowed = _naive(
                index, candidates, kind, tags, language, year, district
            )
            assert tally.counts == counts, (kind, tags, language, year, district)
            assert tally.allowed == allowed

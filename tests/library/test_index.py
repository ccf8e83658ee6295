"""The library index: combinable facets with counts, search, pagination, plain links,
a constant number of queries, and a page weight budget."""

import re
from html import unescape

import pytest

from library.models import Kind
from tests.budgets import KB, page_weight

from .conftest import make_document, make_resource

BUDGET = 30 * KB


@pytest.fixture
def shelf(library):
    """Six items across types, tags, languages, districts and years."""
    make_resource(
        library.index,
        "PPH bundle",
        kind=Kind.TOOL,
        tags=("pph", "emergency"),
        languages=("en", "fr"),
        year=2025,
    )
    make_resource(
        library.index, "PPH guideline", kind=Kind.GUIDELINE, tags=("pph",), year=2024
    )
    make_resource(
        library.section,
        "North PPH trolley",
        kind=Kind.TOOL,
        tags=("pph", "equipment"),
        year=2024,
    )
    make_resource(
        library.section,
        "North referral note",
        kind=Kind.TEMPLATE,
        tags=("referral",),
        languages=("fr",),
        year=2023,
    )
    make_resource(
        library.other_section,
        "South hygiene audit",
        kind=Kind.TOOL,
        tags=("hand hygiene",),
        year=2025,
    )
    make_resource(
        library.index, "Unpublished draft", kind=Kind.TOOL, tags=("pph",), live=False
    )
    return library


def facet(html: str, key: str) -> dict[str, int]:
    """label -> count, for one facet's links."""
    block = html.split(f'id="facet-{key}"', 1)[1].split("</ul>", 1)[0]
    return {
        unescape(label).strip(): int(count)
        for label, count in re.findall(
            r'(?:</span>)?([^<>]+?) <span class="count">\((\d+)\)</span>', block
        )
    }


def titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', html)


def get(client, library, query: str = "") -> str:
    response = client.get(library.index.url + query)
    assert response.status_code == 200
    return response.content.decode()


def test_facets_count_live_items_only(client, shelf):
    html = get(client, shelf)
    assert facet(html, "type") == {"Tool": 3, "Guideline": 1, "Template": 1}
    assert facet(html, "tag")["pph"] == 3
    assert facet(html, "language") == {"English": 4, "French": 2}
    assert facet(html, "district") == {"National": 2, "North": 2, "South": 1}
    assert facet(html, "year") == {"2025": 2, "2024": 2, "2023": 1}
    assert "Unpublished draft" not in html


def test_facets_combine_and_each_keeps_counts_for_switching(client, shelf):
    html = get(client, shelf, "?type=tool&tag=pph")
    assert sorted(titles(html)) == ["North PPH trolley", "PPH bundle"]
    # Type counts ignore the type filter (so another type is one click away)...
    assert facet(html, "type") == {"Tool": 2, "Guideline": 1}
    # ...while the other facets count what the current filters leave.
    assert facet(html, "district") == {"National": 1, "North": 1}
    assert facet(html, "year") == {"2025": 1, "2024": 1}


def test_district_and_national_facets_follow_the_page_tree(client, shelf):
    assert titles(get(client, shelf, "?district=north")) == [
        "North PPH trolley",
        "North referral note",
    ]
    assert sorted(titles(get(client, shelf, "?district=national"))) == [
        "PPH bundle",
        "PPH guideline",
    ]


def test_two_tags_mean_both(client, shelf):
    assert titles(get(client, shelf, "?tag=pph&tag=equipment")) == ["North PPH trolley"]


def test_language_and_year(client, shelf):
    assert titles(get(client, shelf, "?language=fr&year=2023")) == [
        "North referral note"
    ]


def test_every_facet_state_is_a_plain_canonical_link(client, shelf):
    html = get(client, shelf, "?tag=pph&type=tool")
    nav = html.split('class="facets"', 1)[1].split("</nav>", 1)[0]
    hrefs = [
        unescape(h).removesuffix("#results") for h in re.findall(r'href="([^"]+)"', nav)
    ]
    assert hrefs and all(h.startswith("?") for h in hrefs)
    # Selected values link to the state without them; keys come in one order.
    assert "?tag=pph" in hrefs  # removes type=tool
    assert "?type=tool" in hrefs  # removes tag=pph
    assert "?type=tool&tag=emergency&tag=pph" in hrefs
    assert 'aria-current="true"' in nav
    # Forms are not needed: the page works without JavaScript.
    assert "<script" not in html.split("<main", 1)[1]


def test_search_box_narrows_and_keeps_facets(client, shelf):
    html = get(client, shelf, "?q=trolley")
    assert titles(html) == ["North PPH trolley"]
    assert facet(html, "type") == {"Tool": 1}
    html = get(client, shelf, "?q=pph&type=guideline")
    assert titles(html) == ["PPH guideline"]
    assert '<input type="hidden" name="type" value="guideline">' in html
    assert 'value="pph"' in html


def test_search_without_matches_says_so(client, shelf):
    html = get(client, shelf, "?q=zzzqqq")
    assert titles(html) == []
    assert "Nothing matches these filters." in html


def test_pagination(client, library, settings):
    settings.LIBRARY = {"PAGE_SIZE": 2}
    for i in range(5):
        make_resource(library.index, f"Tool {i}", year=2020 + i)
    first = get(client, library)
    assert titles(first) == ["Tool 4", "Tool 3"]
    assert "Page 1 of 3" in first
    assert titles(get(client, library, "?page=3")) == ["Tool 0"]
    assert titles(get(client, library, "?page=99")) == ["Tool 0"]


def _query_count(client, url, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (site root paths, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "?tag=t1&type=tool", "?q=tool&language=en"])
def test_index_queries_do_not_grow_with_page_size_or_facets(
    client, library, settings, django_assert_max_num_queries, query
):
    settings.LIBRARY = {"PAGE_SIZE": 3}
    make_resource(library.index, "Tool seed", tags=("t1",))
    small = _query_count(
        client, library.index.url + query, django_assert_max_num_queries
    )
    for i in range(30):
        make_resource(
            library.section if i % 2 else library.index,
            f"Tool {i}",
            tags=("t1", f"topic-{i}"),
            languages=("en", "fr") if i % 3 else ("en",),
            year=2015 + i % 10,
        )
    settings.LIBRARY = {"PAGE_SIZE": 30}
    client.get(library.index.url + query)  # warm, as for the small page
    with django_assert_max_num_queries(small):
        html = client.get(library.index.url + query).content.decode()
    assert len(titles(html)) >= 20


def test_index_weighs_at_most_30_kb_with_css_and_js(client, library):
    for i in range(20):
        make_resource(
            library.index,
            f"Postpartum haemorrhage resource number {i}",
            tags=("postpartum haemorrhage", f"topic {i}", "maternity"),
            languages=("en", "fr"),
            summary="A practical checklist for the first hour after birth: uterotonic, "
            "massage, tranexamic acid and when to call for help. " * 2,
        )
    weight = page_weight(client, library.index.url)
    assert any("library.css" in url for url in weight.parts), weight
    assert weight.total <= BUDGET, weight


def test_resource_page_weighs_at_most_30_kb_with_css_and_js(client, library):
    docs = [
        make_document(f"Checklist {i}", collection=library.public_collection)
        for i in range(3)
    ]
    page = make_resource(
        library.index,
        "PPH bundle checklist",
        tags=("postpartum haemorrhage", "emergency kits"),
        attachments=docs,
        body=[
            ("paragraph", "<p>" + "Give oxytocin, massage the uterus. " * 60 + "</p>")
        ],
    )
    for i in range(5):
        make_resource(library.index, f"Related {i}", tags=("postpartum haemorrhage",))
    weight = page_weight(client, page.url)
    assert weight.total <= BUDGET, weight


def test_on_a_phone_the_results_come_before_the_filters_and_filters_land_on_them(
    client, shelf
):
    html = get(client, shelf, "?type=tool")
    assert html.index('id="results"') < html.index('id="filters"')
    # Every filter, clear-all and page link returns to the results, not the page top.
    filters = html.split('id="filters"', 1)[1].split("</nav>", 1)[0]
    hrefs = re.findall(r'href="([^"]+)"', filters)
    assert hrefs and all(href.endswith("#results") for href in hrefs)
    # The active filter is shown above the results, and removes itself in one tap.
    active = html.split('class="lib-active"', 1)[1].split("</p>", 1)[0]
    assert "Tool" in active and 'href="?#results"' in active
    assert 'href="#filters"' in html

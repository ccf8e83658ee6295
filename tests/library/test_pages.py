"""Page-tree rules, resource and case-study pages, discovery: feeds, sitemap, Open
Graph, and what the library adds to the home page and the site search."""

import re
from decimal import Decimal

import feedparser
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage
from library.models import (
    CaseStudyChange,
    CaseStudyPage,
    CaseStudyResult,
    Kind,
    LibraryIndexPage,
    LibrarySectionPage,
    NewsletterArchivePage,
    NewsletterIssuePage,
    PodcastEpisodePage,
    PodcastShowPage,
    ResourcePage,
)

from .conftest import make_document, make_resource


def Rules():  # noqa: N802 - a factory, so pytest does not collect the test case
    class PageTreeRules(WagtailPageTestCase):
        def runTest(self):
            pass

    return PageTreeRules()


def test_library_goes_under_the_home_page_and_holds_sections_and_items(db):
    rules = Rules()
    rules.assertCanCreateAt(HomePage, LibraryIndexPage)
    rules.assertCanCreateAt(LibraryIndexPage, LibrarySectionPage)
    rules.assertCanCreateAt(LibraryIndexPage, ResourcePage)
    rules.assertCanCreateAt(LibraryIndexPage, CaseStudyPage)
    rules.assertCanCreateAt(LibraryIndexPage, PodcastShowPage)
    rules.assertCanCreateAt(LibraryIndexPage, NewsletterArchivePage)
    rules.assertCanCreateAt(LibrarySectionPage, ResourcePage)
    rules.assertCanCreateAt(LibrarySectionPage, CaseStudyPage)
    rules.assertCanCreateAt(PodcastShowPage, PodcastEpisodePage)
    rules.assertCanCreateAt(NewsletterArchivePage, NewsletterIssuePage)


def test_items_cannot_be_created_in_the_wrong_place(db):
    rules = Rules()
    rules.assertCanNotCreateAt(LibrarySectionPage, LibrarySectionPage)
    rules.assertCanNotCreateAt(LibrarySectionPage, NewsletterArchivePage)
    rules.assertCanNotCreateAt(LibraryIndexPage, PodcastEpisodePage)
    rules.assertCanNotCreateAt(ResourcePage, ResourcePage)
    rules.assertCanNotCreateAt(HomePage, ResourcePage)
    rules.assertCanNotCreateAt(Page, ResourcePage)
    rules.assertCanNotCreateAt(LibraryIndexPage, NewsletterIssuePage)
    # The shared base of every item is never created on its own.
    from library.models import LibraryItem

    rules.assertCanNotCreateAt(LibraryIndexPage, LibraryItem)


def test_resource_page_shows_each_file_type_and_size_before_download(client, library):
    pdf = make_document("PPH checklist", collection=library.public_collection)
    page = make_resource(
        library.index, "PPH bundle", attachments=[pdf], tags=("postpartum haemorrhage",)
    )
    html = client.get(page.url).content.decode()
    assert f'href="/documents/{pdf.pk}/pph-checklist.pdf"' in html
    size = pdf.file_size
    assert size and size < 2048
    assert re.search(
        rf"PPH checklist</a> <span class=\"muted\">\(PDF, {size}\xa0bytes\)", html
    )


def test_resource_page_shows_languages_last_reviewed_and_external_links(
    client, library
):
    import datetime

    from library.models import ResourceLink

    page = make_resource(library.section, "Triage card", languages=("en", "fr"))
    page.last_reviewed = datetime.date(2025, 3, 4)
    page.links = [ResourceLink(title="WHO triage", url="https://who.example/triage")]
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert "English, French" in html
    assert "4 March 2025" in html
    assert 'href="https://who.example/triage"' in html
    assert "North" in html  # the district whose section holds it


def test_resource_body_blocks_render(client, library):
    page = make_resource(
        library.index,
        "Wall chart",
        body=[
            ("heading", "How to use it"),
            ("paragraph", "<p>Put it at eye level.</p>"),
            ("steps", ["Load 4 g", "Maintain 5 g"]),
            ("key_message", {"title": "Remember", "text": "<p>Check reflexes.</p>"}),
            ("quote", {"quote": "It saved a life.", "source": "A midwife"}),
        ],
    )
    html = client.get(page.url).content.decode()
    assert "<h2>How to use it</h2>" in html
    assert '<ol class="steps"><li>Load 4 g</li><li>Maintain 5 g</li></ol>' in html
    assert '<aside class="callout"><h3>Remember</h3>' in html
    assert "— A midwife" in html


def _case_study(parent, facility):
    page = CaseStudyPage(
        title="Warm nights",
        summary="Companions kept babies warm.",
        facility=facility,
        facility_type="District hospital",
        setting="rural",
        problem="<p>Cold babies at dawn.</p>",
        indicator="Babies warm at 6 a.m.",
        unit="%",
    )
    page.changes = [
        CaseStudyChange(
            description="Companions on rota", outcome="worked", why="Mothers slept"
        ),
        CaseStudyChange(
            description="Heated mattresses", outcome="did_not_work", why="Power cuts"
        ),
    ]
    page.results = [
        CaseStudyResult(period="Jan", value=Decimal("41"), sort_order=0),
        CaseStudyResult(period="Feb", value=Decimal("66.5"), sort_order=1),
        CaseStudyResult(period="Mar", value=Decimal("83"), sort_order=2),
    ]
    parent.add_child(instance=page)
    page.save_revision().publish()
    return CaseStudyPage.objects.get(pk=page.pk)


def test_case_study_results_are_an_accessible_svg_chart_and_a_table(
    client, library, world
):
    page = _case_study(library.section, world.facility)
    assert page.kind == Kind.CASE_STUDY
    html = client.get(page.url).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert f'aria-labelledby="chart-{page.pk}-title chart-{page.pk}-desc"' in svg
    assert f'<title id="chart-{page.pk}-title">Babies warm at 6 a.m.</title>' in svg
    assert "41% in Jan, 83% in Mar; highest 83% in Mar" in svg
    assert svg.count('class="chart-point"') == 3
    assert "<script" not in svg
    assert '<th scope="row">Feb</th><td>66.5</td>' in html


def test_case_study_separates_what_worked_from_what_did_not(client, library, world):
    html = client.get(_case_study(library.section, world.facility).url).content.decode()
    worked = html.index("What worked")
    failed = html.index("What did not work, and why")
    assert worked < html.index("Companions on rota") < failed
    assert failed < html.index("Heated mattresses") < html.index("Power cuts")


def test_every_library_page_advertises_its_feeds_and_open_graph(client, library):
    page = make_resource(library.index, "Hand hygiene tool", tags=("hand hygiene",))
    for url in [library.index.url, page.url, "/library/tags/hand-hygiene/"]:
        html = client.get(url).content.decode()
        assert (
            '<link rel="alternate" type="application/atom+xml"' in html
            and 'href="/library/feeds/latest.atom"' in html
        ), url
        assert '<meta property="og:title"' in html, url
    html = client.get("/library/tags/hand-hygiene/").content.decode()
    assert 'href="/library/feeds/tags/hand-hygiene.atom"' in html
    html = client.get(page.url).content.decode()
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:description" content="About Hand hygiene tool.">' in html


def test_atom_feeds_site_wide_and_per_tag(client, library):
    make_resource(library.index, "Hand hygiene tool", tags=("hand hygiene",))
    make_resource(library.index, "Triage card", tags=("triage",))
    make_resource(library.index, "Draft", tags=("triage",), live=False)
    site = feedparser.parse(client.get("/library/feeds/latest.atom").content)
    assert site.bozo == 0, site.bozo_exception
    assert site.version == "atom10"
    assert {e.title for e in site.entries} == {"Hand hygiene tool", "Triage card"}
    assert site.entries[0].tags[0].term in {"hand hygiene", "triage"}
    tag = feedparser.parse(client.get("/library/feeds/tags/triage.atom").content)
    assert [e.title for e in tag.entries] == ["Triage card"]
    assert client.get("/library/feeds/tags/no-such-tag.atom").status_code == 404


def test_sitemap_lists_live_library_pages_only(client, library):
    live = make_resource(library.index, "Live tool")
    draft = make_resource(library.index, "Draft tool", live=False)
    xml = client.get("/sitemap.xml").content.decode()
    assert live.url in xml
    assert draft.slug not in xml


def test_home_page_shows_latest_resources_and_search_finds_them(client, library):
    from library.wagtail_hooks import latest_resources

    make_resource(library.index, "Oxytocin storage guide", summary="Keep it cold.")
    section = latest_resources(type("R", (), {"user": None})())
    assert [i.title for i in section.context["items"]] == ["Oxytocin storage guide"]
    html = client.get("/search/", {"q": "oxytocin"}).content.decode()
    library_part = html[html.index('id="group-library"') :]
    assert "Oxytocin storage guide" in library_part
    assert "Tool · Keep it cold." in library_part

"""The home page presents the centre with plugin sections; search spans the pages."""

import pytest
from wagtail import hooks
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from community.sections import (
    HOME_SECTIONS_HOOK,
    SEARCH_GROUPS_HOOK,
    HomeSection,
    SearchGroup,
)
from home.models import HomePage, StandardPage


@pytest.fixture
def site(seeded_demo, db):
    return HomePage.objects.get(locale__language_code="en")  # fr: its translation


def test_home_page_shows_the_network_section(site, client):
    response = client.get("/")
    html = response.content.decode()
    assert "National learning centre for quality of care" in html
    assert 'data-section="network"' in html
    assert "Northern Hills District" in html
    assert "2 public facilities" in html or "3 public facilities" in html


def test_a_plugin_contributes_a_home_section_through_a_hook(site, client):
    def extra(request):
        return HomeSection(
            key="extra",
            title="Extra things",
            template="community/sections/network.html",
            context={"districts": []},
            order=1,
        )

    with hooks.register_temporarily(HOME_SECTIONS_HOOK, extra):
        html = client.get("/").content.decode()
    assert 'data-section="extra"' in html
    assert html.index('data-section="extra"') < html.index('data-section="network"')


def test_home_page_works_for_a_signed_in_member(site, client, practitioner):
    client.force_login(practitioner)
    html = client.get("/").content.decode()
    assert "Join the learning centre" not in html
    assert "Sign out" in html


def test_search_finds_pages(site, client):
    response = client.get("/search/", {"q": "conduct"})
    assert response.status_code == 200
    assert "Code of conduct" in response.content.decode()


def test_search_collects_plugin_groups(site, client):
    def group(request, query):
        return SearchGroup(
            key="things",
            title="Things",
            results=[{"title": f"About {query}", "url": "/x/", "snippet": ""}],
        )

    with hooks.register_temporarily(SEARCH_GROUPS_HOOK, group):
        html = client.get("/search/", {"q": "kangaroo"}).content.decode()
    assert 'id="group-things"' in html
    assert "About kangaroo" in html


def test_empty_search_shows_the_form_only(site, client):
    html = client.get("/search/").content.decode()
    assert 'role="search"' in html
    assert 'id="pages-title"' not in html


def test_search_query_is_escaped(site, client):
    html = client.get("/search/", {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in html


def test_page_tree_rules(site):
    class Rules(WagtailPageTestCase):
        def runTest(self):
            pass

    rules = Rules()
    rules.assertCanCreateAt(HomePage, StandardPage)
    rules.assertCanCreateAt(StandardPage, StandardPage)
    rules.assertCanNotCreateAt(Page, StandardPage)
    rules.assertCanNotCreateAt(HomePage, HomePage)


def test_french_is_served_when_chosen(site, client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="fr">' in html
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200

"""Wagtail API v2: public, live library pages only, read-only. Two languages: French
content at the same addresses, chosen by the member, and a fallback to English for pages
not translated yet."""

import pytest
from django.urls import reverse
from wagtail.models import Locale, Page, PageViewRestriction, Site

from home.models import HomePage
from tests.library.conftest import library, make_resource, media_root  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def resources(library):  # noqa: F811
    public = make_resource(library.index, "Partograph guide", tags=("partograph",))
    draft = make_resource(library.index, "Draft toolkit", live=False)
    private = make_resource(library.index, "Members-only checklist")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.LOGIN
    )
    return {"public": public, "draft": draft, "private": private}


def test_api_lists_public_live_library_pages_only(client, resources):
    response = client.get("/api/v2/pages/", {"fields": "summary,tags"})
    assert response.status_code == 200
    data = response.json()
    titles = {item["title"] for item in data["items"]}
    assert titles == {"Partograph guide"}
    item = data["items"][0]
    assert item["summary"] == "About Partograph guide."
    assert item["tags"] == ["partograph"]


def test_api_detail_of_a_draft_or_private_page_is_not_found(client, resources):
    for key in ("draft", "private"):
        response = client.get(f"/api/v2/pages/{resources[key].pk}/")
        assert response.status_code == 404
    assert client.get(f"/api/v2/pages/{resources['public'].pk}/").status_code == 200


def test_api_does_not_list_non_library_pages(client, resources):
    root = Site.objects.get(is_default_site=True).root_page
    response = client.get(f"/api/v2/pages/{root.pk}/")
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_api_is_read_only(client, resources, method, editor):
    client.force_login(editor)
    for url in ("/api/v2/pages/", f"/api/v2/pages/{resources['public'].pk}/"):
        response = getattr(client, method)(
            url, data={"title": "Hacked"}, content_type="application/json"
        )
        assert response.status_code in (403, 405), (method, url)
    resources["public"].refresh_from_db()
    assert resources["public"].title == "Partograph guide"


# --- Two languages ---------------------------------------------------------------------


@pytest.fixture
def bilingual_home(db):
    """A HomePage as the site root, translated into French."""
    root = Page.get_first_root_node()
    home = HomePage(
        title="Learning centre", slug="home-en", tagline="Learning together"
    )
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    french, _ = Locale.objects.get_or_create(language_code="fr")
    home_fr = home.copy_for_translation(french)
    home_fr.title = "Centre d'apprentissage"
    home_fr.tagline = "Apprendre ensemble"
    home_fr.save_revision().publish()
    return home, home_fr


def test_french_reader_gets_the_french_home_page_at_the_same_address(
    client, bilingual_home
):
    home, home_fr = bilingual_home
    assert HomePage.objects.get(pk=home_fr.pk).url == "/"
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Learning together" in html
    client.cookies["django_language"] = "fr"
    html = client.get("/").content.decode()
    assert "Apprendre ensemble" in html
    assert 'lang="fr"' in html


def test_french_reader_sees_untranslated_pages_in_english(client, bilingual_home):
    from home.models import StandardPage

    home, _home_fr = bilingual_home
    about = StandardPage(title="About us", slug="about", summary="Who we are")
    home.add_child(instance=about)
    about.save_revision().publish()
    client.cookies["django_language"] = "fr"
    response = client.get("/about/")
    assert response.status_code == 200
    assert "About us" in response.content.decode()
    assert client.get("/no-such-page/").status_code == 404


def test_footer_language_form_switches_the_site(client, bilingual_home):
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "/"}, follow=True
    )
    assert "Apprendre ensemble" in response.content.decode()


def test_wagtail_i18n_is_on_with_english_and_french(settings):
    assert settings.WAGTAIL_I18N_ENABLED
    assert [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES] == ["en", "fr"]
    assert "wagtail.contrib.simple_translation" in settings.INSTALLED_APPS


def test_french_translation_is_served_at_the_same_address(client, bilingual_home):
    from home.models import StandardPage

    home, _home_fr = bilingual_home
    about = StandardPage(title="About us", slug="about", summary="Who we are")
    home.add_child(instance=about)
    about.save_revision().publish()
    french = Locale.objects.get(language_code="fr")
    about_fr = about.copy_for_translation(french)
    about_fr.title = "À propos"
    about_fr.save_revision().publish()
    child = StandardPage(title="Our team", slug="team", summary="People")
    about.add_child(instance=child)
    child.save_revision().publish()
    assert StandardPage.objects.get(pk=about_fr.pk).url == "/about/"
    client.cookies["django_language"] = "fr"
    assert "À propos" in client.get("/about/").content.decode()
    # Its English child, not translated, is still found under the French parent.
    assert "Our team" in client.get("/about/team/").content.decode()
    client.cookies["django_language"] = "en"
    assert "About us" in client.get("/about/").content.decode()


def test_aliases_made_while_translating_do_not_hide_english_content(
    client, bilingual_home
):
    """Translating a child copies its parents as aliases; French readers still get the
    English parent (and its full listing), and the child's translation."""
    from home.models import StandardPage

    home, _home_fr = bilingual_home
    section = StandardPage(title="Guides", slug="guides", summary="All guides")
    home.add_child(instance=section)
    section.save_revision().publish()
    guide = StandardPage(title="Partograph guide", slug="partograph", summary="x")
    section.add_child(instance=guide)
    guide.save_revision().publish()
    french = Locale.objects.get(language_code="fr")
    guide_fr = guide.copy_for_translation(french, copy_parents=True)
    guide_fr.title = "Guide du partogramme"
    guide_fr.save_revision().publish()
    client.cookies["django_language"] = "fr"
    response = client.get("/guides/")
    assert response.context["page"].pk == section.pk  # not the alias
    assert "Guide du partogramme" in client.get("/guides/partograph/").content.decode()


def test_signing_in_brings_the_profiles_language(client, practitioner):
    from community import services as community_services

    community_services.profile_update(
        user=practitioner, display_name="Amina", language="fr"
    )
    response = client.post(
        reverse("account_login"),
        {"login": "practitioner@example.org", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"

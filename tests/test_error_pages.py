"""Refused, missing and broken pages look like the site and offer a way forward: the
home page, search, signing in when signed out; a refusal says why and what to do."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import include, path, reverse

from community.models import Role
from tests.factories import member


def _refuse(request):
    raise PermissionDenied("Only the moon may open this.")


def _refuse_silently(request):
    raise PermissionDenied


def _break(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("refused/", _refuse),
    path("refused-silently/", _refuse_silently),
    path("broken/", _break),
    path("", include("cop_site.urls")),
]

errors_urlconf = override_settings(ROOT_URLCONF=__name__)


def _looks_like_the_site(html: str) -> None:
    assert 'class="site-header"' in html and 'id="main"' in html
    assert 'href="/"' in html


def test_missing_page_for_a_visitor(client, db):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    _looks_like_the_site(html)
    assert "<h1>Page not found</h1>" in html
    assert f'action="{reverse("search")}"' in html and 'name="q"' in html
    assert f'href="{reverse("account_login")}?next=/no/such/page/"' in html
    assert "members only" in html


def test_missing_page_for_a_member(client, world):
    client.force_login(member(Role.PRACTITIONER, world.facility))
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    _looks_like_the_site(html)
    assert reverse("account_login") not in html
    assert 'class="bell"' in html  # the member's own navigation


@errors_urlconf
def test_refusal_says_why_and_offers_to_sign_in(client, db):
    response = client.get("/refused/")
    html = response.content.decode()
    assert response.status_code == 403
    _looks_like_the_site(html)
    assert "This page is not open to you" in html
    assert "Only the moon may open this." in html
    assert f'href="{reverse("account_login")}?next=/refused/"' in html


@errors_urlconf
def test_refusal_without_a_reason_says_who_gives_roles(client, world):
    client.force_login(member(Role.PRACTITIONER, world.facility))
    response = client.get("/refused-silently/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Roles are given by your district lead" in html
    assert reverse("account_login") not in html


def test_practitioner_refused_data_entry_learns_what_they_need(client, world):
    client.force_login(member(Role.PRACTITIONER, world.facility))
    url = reverse("improvement:measurement_entry", args=[world.facility.slug])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "its QI team and facility lead enter its monthly data" in html
    assert "This needs the role “QI team member” at North Hospital" in html
    assert "ask your facility lead to have you added" in html


def test_member_elsewhere_is_refused_without_an_offer_to_join(client, world):
    client.force_login(member(Role.QI_MEMBER, world.other_facility))
    url = reverse("improvement:measurement_entry", args=[world.facility.slug])
    html = client.get(url).content.decode()
    assert "You may not enter data for North Hospital" in html
    assert "This needs the role" not in html


def test_district_lead_is_told_facilities_enter_their_own(client, world):
    client.force_login(member(Role.DISTRICT_LEAD, world.district))
    url = reverse("improvement:measurement_entry", args=[world.facility.slug])
    response = client.get(url)
    assert response.status_code == 403
    assert "its QI team and facility lead enter" in response.content.decode()


def test_practitioner_refused_the_import_learns_what_they_need(client, world):
    client.force_login(member(Role.PRACTITIONER, world.facility))
    response = client.get(reverse("improvement:import"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "You may not enter data for any facility" in html
    assert "“QI team member” at North Hospital" in html


def test_qi_member_may_still_enter(client, world):
    client.force_login(member(Role.QI_MEMBER, world.facility))
    url = reverse("improvement:measurement_entry", args=[world.facility.slug])
    assert client.get(url).status_code == 200
    assert client.get(reverse("improvement:import")).status_code == 200


@errors_urlconf
def test_broken_page_renders_without_the_database():
    """No ``db`` fixture: any query while rendering the 500 page would fail here."""
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert 'href="/"' in html and f'href="{reverse("search")}"' in html
    assert "<style>" in html and "{%" not in html and "boom" not in html


@pytest.mark.parametrize("template", ["403.html", "404.html", "500.html"])
def test_the_suite_ships_the_error_pages(template):
    """They come from `community`, so any host gets them (a host may override)."""
    from django.template.loader import get_template

    origin = get_template(template).origin.name
    assert "/community/templates/" in origin


@pytest.mark.django_db
def test_the_icon_browsers_ask_for_is_nothing_not_a_missing_page(client):
    """Chromium asks for /favicon.ico after a feed or a calendar file: no 404 for it,
    no query, and browsers keep the answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/favicon.ico")
    assert response.status_code == 204
    assert response.content == b""
    assert "max-age" in response["Cache-Control"]
    assert len(queries) == 0

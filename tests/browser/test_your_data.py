"""A practitioner on a 360 px phone, in French, takes their data and leaves.

From the profile page: download the zip, ask to leave with a wrong password (the
choice they made is still there), ask again, change their mind, ask once more; once
the grace period is over the account is gone and signing in no longer works.
"""

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from community import personal_data

from .helpers import axe_check, login

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "practitioner@demo.example", "learn-together-2026"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "your-data"


@pytest.fixture
def phone(browser, live_server, demo_site):
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr"},
        viewport={"width": 360, "height": 740},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"


def test_a_member_downloads_their_data_and_leaves_on_a_phone_in_french(phone):
    page = phone
    login(page, EMAIL, PASSWORD)
    page.goto("/community/profile/")
    page.get_by_role("link", name="Vos données : les télécharger").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vos données"
    _fits(page)
    axe_check(page)

    # The zip names the member's anonymous posts: the password again, then back to
    # "Your data", which says it is ready, and the file comes with the page kept.
    page.get_by_role("button", name="Télécharger mes données").click()
    assert "/accounts/reauthenticate/" in page.url
    _fits(page)
    axe_check(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "your-data-password-again-fr-360.png", full_page=True)
    page.locator("main form").get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main form").get_by_role("button").last.click()
    page.wait_for_url("**/community/account/data/?ready=1")
    assert "Mot de passe confirmé." in page.get_by_role("status").inner_text()
    _fits(page)
    axe_check(page)
    page.screenshot(path=SHOTS / "your-data-ready-fr-360.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger mes données").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vos données"
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    account = json.loads(archive.read("community.json"))["account"][0]
    assert account["email"] == EMAIL
    assert "Vos données du centre" in archive.read("README.txt").decode()

    page.goto("/community/account/data/")
    page.get_by_role("link", name="Supprimer mon compte…").click()
    page.get_by_label("En retirer le texte").check()
    page.get_by_label("Votre mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Supprimer mon compte").click()
    assert "Ce n’est pas votre mot de passe" in page.locator("main").inner_text()
    assert page.get_by_label("En retirer le texte").is_checked()
    _fits(page)
    axe_check(page)
    page.screenshot(path=SHOTS / "your-data-wrong-password-fr-360.png", full_page=True)

    page.get_by_label("Votre mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Supprimer mon compte").click()
    notice = page.locator("main").inner_text()
    assert "Votre compte sera supprimé le" in notice
    assert "Le texte de ce que vous avez écrit sous votre nom sera retiré." in notice
    axe_check(page)
    page.screenshot(path=SHOTS / "your-data-scheduled-fr-360.png", full_page=True)

    page.get_by_role("button", name="Garder mon compte").click()
    assert "Votre compte ne sera plus supprimé." in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Supprimer mon compte…").is_visible()

    page.get_by_role("link", name="Supprimer mon compte…").click()
    page.get_by_label("Votre mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Supprimer mon compte").click()
    assert "Votre compte sera supprimé le" in page.locator("main").inner_text()
    later = timezone.now() + personal_data.grace() + datetime.timedelta(hours=1)
    # The demo's moving.on@ is past their grace period by then too.
    assert personal_data.erase_due_accounts(now=later) == 2
    assert not get_user_model().objects.filter(email=EMAIL).exists()

    page.goto("/community/profile/")  # the session's account is gone
    assert "/accounts/login/" in page.url
    page.locator("main form").get_by_label("E-mail").fill(EMAIL)
    page.locator("main form").get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main form").get_by_role("button").last.click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    assert page.locator("main .errors").count() == 1

"""A midwife with no email address joins with her phone number, on a 360 px phone in
French: she types the number as she dials it, gets a code by SMS (the file gateway),
types it, and is in; later she signs in with the number, and by a code when she has
forgotten her password."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import sms

from .helpers import TIMEOUT_MS, axe_check, off_the_loop

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "une-phrase-de-passe-Longue-42"
NUMBER = "+250788000301"


@pytest.fixture
def phone_fr(browser, live_server, migrated_db):
    sms.clear()
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
        viewport={"width": 360, "height": 740},
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()
    sms.clear()


def signed_in(page) -> None:
    page.goto("/community/profile/")
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()


def test_a_midwife_joins_with_her_phone_number_in_french(phone_fr):
    page = phone_fr
    page.goto("/accounts/signup/")
    form = page.locator("main form")
    # Neither an email nor a number: refused, and what she typed stays.
    form.locator("#id_display_name").fill("Chantal (sage-femme)")
    form.locator("#id_password1").fill(PASSWORD)
    form.locator("#id_password2").fill(PASSWORD)
    form.locator("#id_accept_code_of_conduct").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("main .errors").first).to_contain_text(
        "Indiquez une adresse e-mail ou un numéro de téléphone"
    )
    expect(form.locator("#id_display_name")).to_have_value("Chantal (sage-femme)")
    page.screenshot(path=SHOTS / "phone-signup-refused-360-fr.png", full_page=True)
    axe_check(page, context={"include": [["main"]]})

    form.locator("#id_phone").fill("0788 000 301")
    form.locator("#id_password1").fill(PASSWORD)
    form.locator("#id_password2").fill(PASSWORD)
    form.locator("#id_accept_code_of_conduct").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_url("**/accounts/phone/verify/")
    assert page.locator("html").get_attribute("lang") == "fr"
    [text] = sms.texts(NUMBER)
    assert "est votre code" in text["text"]
    page.screenshot(path=SHOTS / "phone-verify-360-fr.png", full_page=True)
    axe_check(page, context={"include": [["main"]]})
    # Nothing overflows a small phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.locator("#id_code").fill(sms.last_code(NUMBER))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    signed_in(page)

    def stored():
        from community.models import PhoneNumber

        return list(PhoneNumber.objects.values_list("number", "verified"))

    assert off_the_loop(stored) == [(NUMBER, True)]

    # Her own account page shows her number; she signs out and back in with it.
    page.get_by_role("link", name="Votre numéro de téléphone").click()
    expect(page.locator("main input[type=tel][disabled]")).to_have_value(NUMBER)
    page.screenshot(path=SHOTS / "phone-change-360-fr.png", full_page=True)
    axe_check(page, context={"include": [["main"]]})
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()
    page.goto("/accounts/login/")
    login = page.locator("main form:has(input[name=password])")
    # One field takes either, and a sign-in code is offered to whoever forgot.
    expect(page.locator("main")).to_contain_text("code")
    page.screenshot(path=SHOTS / "phone-login-360-fr.png", full_page=True)
    login.locator("input[name=login]").fill("0788000301")
    login.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        login.locator("button[type=submit]").click()
    signed_in(page)

    # Forgotten password: a code by SMS instead.
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()
    page.goto("/accounts/login/code/")
    page.locator("main input[name=phone]").fill("0788 000 301")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/login/code/confirm/**")
    page.screenshot(path=SHOTS / "phone-login-code-360-fr.png", full_page=True)
    axe_check(page, context={"include": [["main"]]})
    page.locator("#id_code").fill(sms.last_code(NUMBER))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    signed_in(page)

"""axe-core finds no WCAG 2.0/2.1 A or AA violations on the newcomer's pages."""

import pytest

from .helpers import axe_check, login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/code-of-conduct/",
        "/search/",
        "/search/?q=conduct",
        "/search/?q=nothing-matches-this",
    ],
)
def test_page_has_no_wcag_violations(page, demo_site, path):
    page.goto(path)
    axe_check(page)


def test_signup_with_errors_shown_has_no_wcag_violations(page, demo_site):
    page.goto("/accounts/signup/")
    form = page.locator("main form")
    form.get_by_label("Email").fill("not-yet@example.org")
    form.get_by_label("Password", exact=True).fill("short")
    # Skip the browser's own checks so the server's error messages show.
    form.evaluate("form => { form.noValidate = true }")
    form.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()
    assert form.locator(".errors").count() >= 2
    axe_check(page)


def test_login_with_error_shown_has_no_wcag_violations(page, demo_site):
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Email").fill("practitioner@demo.example")
    form.get_by_label("Password").fill("wrong password")
    form.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    assert form.locator(".errors").count() == 1
    axe_check(page)


def test_pages_of_a_signed_in_member_in_french_have_no_wcag_violations(page, demo_site):
    login(page, "practitioner@demo.example", "learn-together-2026")
    page.goto("/")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    axe_check(page)
    page.goto("/community/profile/")
    axe_check(page)


def test_error_pages_have_no_wcag_violations(page, demo_site):
    response = page.goto("/no/such/page/")
    assert response.status == 404
    axe_check(page)
    login(page, "practitioner@demo.example", "learn-together-2026")
    response = page.goto("/improvement/f/hillside-district-hospital/data/")
    assert response.status == 403
    assert "QI team member" in page.locator("main").inner_text()
    axe_check(page)

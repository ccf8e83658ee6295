"""The newcomer's first visit, end to end in a real browser (foundation issue #2)."""

import re
from urllib.parse import urlsplit

import pytest
from django.utils import translation

from .helpers import login

pytestmark = pytest.mark.browser

PASSWORD = "a-long-Enough-passphrase-42"


def confirmation_path(outbox: list, email: str) -> str:
    """The path of the one confirmation link allauth mailed to ``email``."""
    messages = [message for message in outbox if email in message.to]
    assert len(messages) == 1, [message.subject for message in outbox]
    match = re.search(r"https?://\S+/accounts/confirm-email/\S+/", messages[0].body)
    assert match, messages[0].body
    return urlsplit(match.group(0)).path


def test_newcomer_signs_up_verifies_signs_in_and_reads_the_home_page_in_french(
    page, demo_site, mailoutbox
):
    email = "newcomer@example.org"
    page.goto("/")
    page.get_by_role("link", name="Join the learning centre").click()

    signup = page.locator("main form")
    signup.get_by_label("Email").fill(email)
    signup.get_by_label("Password", exact=True).fill(PASSWORD)
    signup.get_by_label("Password (again)").fill(PASSWORD)
    signup.get_by_label("Display name").fill("Nia (midwife)")
    # The code of conduct is linked right beside the box the newcomer must tick.
    conduct_link = signup.get_by_role("link", name="Read the code of conduct")
    assert conduct_link.get_attribute("href") == "/code-of-conduct/"
    code_of_conduct = signup.get_by_label(re.compile("accept the code of conduct"))
    signup.get_by_role("button", name="Sign Up").click()
    # Unticked, the form does not go out.
    assert code_of_conduct.evaluate("box => box.validity.valueMissing")
    assert not mailoutbox

    code_of_conduct.check()
    signup.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    page.goto(confirmation_path(mailoutbox, email))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION signs the newcomer in; they come back later.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    login(page, email, PASSWORD)
    assert page.get_by_role("button", name="Sign out").is_visible()

    page.goto("/")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#language-select option:checked").inner_text() == "français"
    assert page.locator("#page-title").is_visible()
    sections = page.locator("main section[data-section]")
    assert sections.count() >= 1
    for section in sections.all():
        assert section.locator("h2").is_visible()
    assert page.locator("[data-section=network] .card").count() == 3
    # Headings read as the French catalogue has them (English until it is compiled).
    with translation.override("fr"):
        how = translation.gettext("How we learn together")
        network = translation.gettext("Our learning network")
    assert page.locator("#how-title").inner_text() == how
    assert page.locator("[data-section=network] h2").inner_text() == network
    # The choice follows the member to the next page; allauth ships French already.
    page.goto("/accounts/email/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Adresses e-mail").is_visible()

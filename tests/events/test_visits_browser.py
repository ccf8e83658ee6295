"""Exchange visits and the cadence tracker in a real browser: a district lead opens
the cadence page, sees an overdue facility and invites it; the pages pass axe-core.

Chromium runs for this module only, through ``tests.browser.helpers.running_chromium``.
"""

import pytest

from tests.browser.helpers import (
    TIMEOUT_MS,
    axe_check,
    login,
    off_the_loop,
)

pytestmark = pytest.mark.browser

PASSWORD = "learn-together-2026"
CADENCE = "/events/cadence/northern-hills/"
# The host's flash messages (base.html) are not ours to check: axe checks them on
# the pages tests/browser/test_your_data.py walks.
MAIN = {"include": [["main"]], "exclude": [[".messages"]]}


@pytest.fixture
def page(browser, live_server, django_db_serialized_rollback):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        extra_http_headers={"Accept-Language": "en-GB,en;q=0.8"},
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def visits_demo(live_server, django_db_serialized_rollback):
    """The foundation's demo and the exchange visits' part of it."""

    def seed():
        from events.visits import demo as visits_demo
        from tests.factories import seed_foundation

        context = seed_foundation()
        visits_demo.seed(context)
        return context

    return off_the_loop(seed)


def test_district_lead_sees_an_overdue_facility_and_invites_it(page, visits_demo):
    login(page, "district.lead@demo.example", PASSWORD, next_url=CADENCE)
    assert page.url.endswith(CADENCE)
    row = page.locator("tr[data-facility=st-agnes-mission-hospital]")
    assert row.get_attribute("data-state") == "overdue"
    assert (
        page.locator("tr[data-facility=mount-ravi-clinic]").get_attribute("data-state")
        == "never"
    )
    assert page.locator("svg[role=img] > title").first.text_content()
    axe_check(page, context=MAIN)
    overdue = page.locator("#overdue li[data-facility=st-agnes-mission-hospital]")
    with page.expect_navigation():
        overdue.get_by_role("button").click()
    assert "St Agnes Mission Hospital" in page.locator(".messages").inner_text()
    # A visit page, with its answer forms and timeline, passes axe too.
    page.goto("/events/visits/")
    axe_check(page, context=MAIN)
    page.locator(".visit-list a").first.click()
    page.wait_for_load_state()
    axe_check(page, context=MAIN)


def test_the_host_lead_answers_a_request_without_javascript(
    browser, live_server, visits_demo, django_db_serialized_rollback
):
    link = "Kato Health Centre visits Hillside District Hospital"
    # First with JavaScript, for axe-core: the request with its answer forms open.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        login(page, "facility.lead@demo.example", PASSWORD, next_url="/events/visits/")
        page.get_by_role("link", name=link).first.click()
        page.wait_for_load_state()
        for summary in page.locator("details.visit-form summary").all():
            summary.click()
        axe_check(page, context=MAIN)
    finally:
        context.close()
    # Then without: the answers are plain forms.
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        login(page, "facility.lead@demo.example", PASSWORD, next_url="/events/visits/")
        page.get_by_role("link", name=link).first.click()
        # "Decline" opens a <details> with the reason, natively.
        page.locator("summary", has_text="Decline").click()
        assert page.get_by_label("Why not?").is_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="Accept these dates").click()
        main = page.locator("main").inner_text()
        assert "Confirmed" in main and "Exchange visit:" in main
    finally:
        context.close()

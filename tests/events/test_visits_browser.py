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


def test_with_data_saver_a_photo_comes_only_when_tapped_on_a_phone_in_french(
    browser, live_server, visits_demo, django_db_serialized_rollback
):
    """The demo's practitioner saves data: the learning report's photo is a
    disclosure saying its size, and the browser asks for the file only once she
    opens it. The footer says what the page weighs."""
    import io
    from pathlib import Path

    from PIL import Image

    from events.visits.models import LearningReport

    visit = off_the_loop(
        lambda: (
            LearningReport.objects.filter(photos__isnull=False)
            .values_list("visit_id", flat=True)
            .get()
        )
    )
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), (11, 94, 85)).save(buffer, "JPEG")
    asked: list[str] = []

    def serve(route) -> None:  # the test server does not serve uploads
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/jpeg", body=buffer.getvalue())

    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/media/events/visits/**", serve)
    page = context.new_page()
    try:
        path = f"/events/visits/{visit}/"
        login(page, "practitioner@demo.example", PASSWORD, next_url=path)
        summary = page.locator("details.tap-to-load summary")
        assert summary.inner_text().startswith("Afficher la photo (")
        assert summary.inner_text().endswith("Kio)")  # Django's French units
        page.wait_for_load_state("networkidle")
        assert asked == []  # nothing fetched before the tap
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        axe_check(page, context=MAIN)
        assert "Cette page :" in page.locator("footer").inner_text()
        summary.click()
        photo = page.locator("details.tap-to-load img")
        photo.wait_for(state="visible")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
        )
        assert len(asked) == 1
        shots = Path(__file__).resolve().parents[2] / "test-artifacts" / "visits"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shots / "data-saver-photo-fr-360.png", full_page=True)
    finally:
        context.close()

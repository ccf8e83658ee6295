"""The improvement journey in a real browser (issue 8): a QI member enters a month of
data, sees the run chart update with a shift marked, and the district lead sees it in
the collaborative comparison.

Chromium runs for this module only, through ``tests.browser.helpers.running_chromium``
(see it for why it must not outlive the tests that drive it).
"""

from pathlib import Path

import pytest

from improvement.models import current_month
from tests.browser.helpers import (
    TIMEOUT_MS,
    axe_check,
    login,
)

pytestmark = pytest.mark.browser

PASSWORD = "learn-together-2026"
CHART = "/improvement/f/hillside-district-hospital/MNH-08/"
# The host's flash messages (base.html) are not ours to check: axe checks them on
# the pages tests/browser/test_your_data.py walks.
MAIN = {"include": [["main"]], "exclude": [[".messages"]]}


@pytest.fixture
def new_page(browser, live_server, django_db_serialized_rollback):
    contexts = []

    broken: list[str] = []

    def check(response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            broken.append(f"{response.status} {response.request.url}")

    def make():
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-GB",
            extra_http_headers={"Accept-Language": "en-GB,en;q=0.8"},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("response", check)
        return page

    yield make
    for context in contexts:
        context.close()
    if broken:
        pytest.fail("sub-resources failed to load:\n" + "\n".join(broken))


@pytest.fixture
def demo_site(live_server, committed_demo):
    """The whole demo, every plugin's part included: the journey needs this app's."""


def test_qi_member_enters_a_month_the_shift_appears_and_the_district_lead_sees_it(
    new_page, demo_site
):
    month = current_month().strftime("%Y-%m")
    qi = new_page()
    login(qi, "qi.member@demo.example", PASSWORD, next_url=CHART)
    assert (
        qi.get_by_role("heading", level=1).inner_text()
        == "Early initiation of breastfeeding"
    )
    chart = qi.locator("figure.rc")
    assert chart.locator('.rc-band[data-signal="shift"]').count() == 0
    assert (
        chart.locator(".rc-note").first.inner_text()
        == "No signal of non-random change."
    )
    axe_check(qi, context=MAIN)

    qi.get_by_role("link", name="Enter a month of data").click()
    form = qi.locator("main form")
    assert (
        form.get_by_label("Indicator")
        .locator("option:checked")
        .inner_text()
        .startswith("MNH-08")
    )
    form.get_by_label("Month").fill(month)
    form.get_by_label("Numerator").fill("120")
    form.get_by_label("Denominator").fill("100")
    form.get_by_role("button", name="Save").click()
    # Refused with a clear message, and nothing typed is lost.
    assert qi.get_by_text("must be at least the numerator").is_visible()
    assert form.get_by_label("Numerator").input_value() == "120"
    assert form.get_by_label("Month").input_value() == month
    form.get_by_label("Numerator").fill("82")
    form.get_by_role("button", name="Save").click()

    qi.wait_for_url(f"**{CHART}")
    assert qi.get_by_role("status").get_by_text("Saved Early initiation").is_visible()
    band = chart.locator('.rc-band[data-signal="shift"]')
    assert band.count() == 1
    # The band's label is drawn last, over the points, with a halo.
    label = chart.locator('text.rc-label[data-signal="shift"]')
    assert label.text_content() == "Shift above the median"
    assert chart.locator('.rc-note[data-signal="shift"]').is_visible()
    chart.get_by_text("Data table").click()
    last_row = chart.locator("tbody tr").last
    assert last_row.locator("td").nth(2).inner_text() == "82.0%"
    assert "Shift above the median" in last_row.inner_text()

    lead = new_page()
    login(lead, "district.lead@demo.example", PASSWORD, next_url="/improvement/")
    compare = lead.locator("main form", has=lead.get_by_role("button", name="Compare"))
    compare.get_by_label("District").select_option(label="Northern Hills District")
    compare.get_by_label("Indicator").select_option(value="MNH-08")
    compare.get_by_role("button", name="Compare").click()
    lead.wait_for_url("**/improvement/d/northern-hills/MNH-08/")
    panel = lead.locator('.imp-panel[data-facility="hillside-district-hospital"]')
    assert panel.get_attribute("data-group") == "0"
    assert panel.locator(".imp-status").inner_text() == "Signal of improvement"
    assert panel.locator('.rc-band[data-signal="shift"]').count() == 1
    # Improvement first: Hillside is in the first group, listed by name within it.
    groups = lead.locator(".imp-panel").evaluate_all(
        "els => els.map(e => +e.dataset.group)"
    )
    assert groups == sorted(groups)
    assert lead.locator(".imp-panel").count() == 4
    axe_check(lead, context=MAIN)


def test_re_entering_a_month_shows_the_old_numbers_and_asks(new_page, demo_site):
    import datetime

    last = (current_month() - datetime.timedelta(days=1)).replace(day=1)
    qi = new_page()
    login(
        qi,
        "qi.member@demo.example",
        PASSWORD,
        next_url="/improvement/f/hillside-district-hospital/data/?indicator=MNH-08",
    )
    form = qi.locator("main form")
    form.get_by_label("Month").fill(last.strftime("%Y-%m"))
    form.get_by_label("Numerator").fill("1")
    form.get_by_label("Denominator").fill("100")
    form.get_by_role("button", name="Save", exact=True).click()
    ask = qi.get_by_role("alert")
    assert "This month already has numbers" in ask.inner_text()
    assert "Replace them with your 1 out of 100?" in ask.inner_text()
    axe_check(qi, context=MAIN)
    ask.get_by_role("button", name="Replace the old numbers").click()
    qi.wait_for_url(f"**{CHART}")
    assert (
        qi.get_by_role("status").get_by_text("Replaced Early initiation").is_visible()
    )


SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "departments"
PHONE = {"width": 360, "height": 740}


def _phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_a_change_spreads_from_the_labour_ward_to_the_newborn_unit_on_a_phone(
    browser, live_server, demo_site
):
    """Joseph, in Hillside's newborn unit, sees on his ward's page what the labour
    ward adopted, tries one of its changes in his own project, and the facility page
    shows it spreading; the facility lead adds a ward. On a 360 px phone, in French."""
    from community.models import Organisation

    hillside = Organisation.objects.get(slug="hillside-district-hospital")
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = _phone(browser, live_server)
    try:
        page = context.new_page()
        login(page, "qi.member@demo.example", PASSWORD)
        page.goto(f"/community/facilities/{hillside.pk}/")
        departments = page.locator("section", has=page.locator("#facility-departments"))
        assert departments.get_by_role("heading", name="Services").is_visible()
        _fits(page)
        axe_check(page, context=MAIN)
        page.screenshot(path=str(SHOTS / "1-facility.png"), full_page=True)

        departments.get_by_role("link", name="Newborn unit").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Newborn unit"
        offered = page.locator("li", has_text="Pre-drawn oxytocin syringe")
        assert "Labour ward" in offered.inner_text()
        _fits(page)
        axe_check(page, context=MAIN)
        page.screenshot(path=str(SHOTS / "2-newborn-unit.png"), full_page=True)

        offered.get_by_role("link", name="L’essayer ici").click()
        # The ward's own project comes chosen.
        assert page.get_by_label(
            "Kangaroo mother care for every small baby"
        ).is_checked()
        _fits(page)
        axe_check(page, context=MAIN)
        page.screenshot(path=str(SHOTS / "3-try-it.png"), full_page=True)
        page.get_by_role("button", name="L’essayer là").click()
        assert "/cycles/new/" in page.url
        assert "est maintenant testée" in page.locator(".messages").inner_text()

        page.goto("/improvement/f/hillside-district-hospital/")
        row = page.locator("tr", has_text="Pre-drawn oxytocin syringe")
        assert row.locator("td").all_inner_texts() == ["Adoptée", "En cours de test"]
        _fits(page)  # the table scrolls inside its own region
        axe_check(page, context=MAIN)
        page.screenshot(path=str(SHOTS / "4-facility-table.png"), full_page=True)
    finally:
        context.close()

    context = _phone(browser, live_server)
    try:
        lead = context.new_page()
        login(lead, "facility.lead@demo.example", PASSWORD)
        lead.goto(f"/community/facilities/{hillside.pk}/departments/new/")
        lead.get_by_label("Nom du service").fill("Labour ward")
        lead.get_by_role("button", name="Ajouter le service").click()
        assert "a déjà un service appelé" in lead.locator("main").inner_text()
        assert lead.get_by_label("Nom du service").input_value() == "Labour ward"
        _fits(lead)
        axe_check(lead, context=MAIN)
        lead.screenshot(path=str(SHOTS / "5-name-taken.png"), full_page=True)
        lead.get_by_label("Nom du service").fill("Maternité")
        lead.get_by_role("button", name="Ajouter le service").click()
        assert lead.get_by_role("heading", level=1).inner_text() == "Maternité"
        lead.get_by_role("button", name="Ouvrir un espace pour ce service").click()
        assert "Maternité · Hillside District Hospital" in lead.title()
    finally:
        context.close()

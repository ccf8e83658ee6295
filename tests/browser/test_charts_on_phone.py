"""Issue #16, item 8, in Chromium on a 360 px phone: the run chart, the family story and
the cadence heat map draw their text at 11 CSS px or more, inside the drawing (nothing
cut off), and the cadence tracker passes axe, label-in-name included.

Screenshots of each (in French, the longer language) go to ``test-artifacts/`` for a
person to look at.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.helpers import (
    TIMEOUT_MS,
    axe_violations,
    format_violations,
    login,
    off_the_loop,
)

pytestmark = pytest.mark.browser

PASSWORD = "learn-together-2026"
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "phone-charts"
CHART = "/improvement/f/hillside-district-hospital/MNH-03/"
CADENCE = "/events/cadence/northern-hills/"

# Every drawing in the page's main content that is shown: how big its text is on
# screen (computed font size × the drawing's scale), how tall its smallest text box
# is, and which texts reach outside the drawing (cut off).
MEASURE = """() => [...document.querySelectorAll('main svg')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const texts = [...svg.querySelectorAll('text')];
    return {
      drawing: svg.getAttribute('class'),
      smallest_font: Math.min(...texts.map(
        t => parseFloat(getComputedStyle(t).fontSize) * scale)),
      smallest_box: Math.min(...texts.map(t => t.getBoundingClientRect().height)),
      cut_off: texts.filter(t => {
        const r = t.getBoundingClientRect();
        return r.left < box.left - 1 || r.right > box.right + 1
          || r.top < box.top - 1 || r.bottom > box.bottom + 1;
      }).map(t => t.textContent),
      texts: texts.length,
    };
  })"""


def _phone(browser, base_url, language: str):
    context = browser.new_context(
        base_url=base_url,
        viewport=PHONE,
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _check_drawings(page, where: str, expected: str) -> None:
    drawings = page.evaluate(MEASURE)
    assert [d["drawing"] for d in drawings] == [expected], (where, drawings)
    for drawing in drawings:
        assert drawing["texts"] > 5, (where, drawing)
        assert drawing["smallest_font"] >= 11, (where, drawing)
        assert drawing["smallest_box"] >= 10, (where, drawing)
        assert drawing["cut_off"] == [], (where, drawing)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (where, width)  # no sideways scroll


def _axe(page) -> None:
    violations = axe_violations(
        page,
        context={"include": [["main"]], "exclude": [[".messages"]]},
        # Experimental in axe, so off unless asked for: WCAG 2.5.3, label in name.
        enable=("label-content-name-mismatch",),
    )
    assert not violations, format_violations(violations)


def test_charts_and_the_heat_map_are_readable_on_a_phone(
    browser, live_server, committed_demo
):
    from improvement.models import StoryPage

    story = off_the_loop(lambda: StoryPage.objects.live().first().url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for language in ("en-GB", "fr"):
        context = _phone(browser, live_server.url, language)
        try:
            page = context.new_page()
            # The family story is public.
            page.goto(story)
            _check_drawings(page, f"story {language}", "rc-svg rc-svg--phone")
            page.locator("figure.rc").screenshot(
                path=ARTIFACTS / f"story-{language}.png"
            )
            # A QI member's full-size run chart.
            login(page, "qi.member@demo.example", PASSWORD, next_url=CHART)
            _check_drawings(page, f"chart {language}", "rc-svg rc-svg--phone")
            page.locator("figure.rc").screenshot(
                path=ARTIFACTS / f"chart-{language}.png"
            )
            # The district lead's cadence tracker.
            context.clear_cookies()
            login(page, "district.lead@demo.example", PASSWORD, next_url=CADENCE)
            _check_drawings(page, f"cadence {language}", "heat-svg heat-svg--phone")
            page.locator("figure.heat").screenshot(
                path=ARTIFACTS / f"heat-map-{language}.png"
            )
            if language == "en-GB":
                _axe(page)
                # The facility table scrolls sideways: a keyboard reaches it.
                region = page.get_by_role(
                    "region", name="Last and next sharing event of each facility"
                )
                region.focus()
                assert page.evaluate("document.activeElement.tabIndex") == 0
                button = page.get_by_role(
                    "button",
                    name="Invite to next collaborative (St Agnes Mission Hospital)",
                    exact=True,
                )
                # What it shows is how its name begins (the facility is for
                # screen readers only).
                shown = button.evaluate("b => b.firstChild.textContent")
                assert shown == "Invite to next collaborative"
                # Past 40em the full drawings come back, still at 11 px or more.
                page.set_viewport_size({"width": 1024, "height": 800})
                _check_drawings(page, "cadence wide", "heat-svg heat-svg--full")
                page.goto(CHART)
                _check_drawings(page, "chart wide", "rc-svg rc-svg--full")
        finally:
            context.close()

"""Issue #16, item 8: the cadence tracker on a phone, and its two axe findings.

The heat map (602 units wide) scaled to a 360 px phone drew its labels at about 5 px and
cut long names; the page now also carries a phone drawing (names on their own line
above their row, 312 units wide) that CSS shows below 40em. The invite buttons' names
begin with their visible text, and the scrolling tables are keyboard-reachable regions.
"""

import re

import pytest
from django.urls import reverse

from events import cadence
from tests.factories import FacilityFactory

LONG = "Saint Bernadette of the Hills Maternity and Referral Hospital"  # 61


@pytest.fixture
def long_named(world):
    return FacilityFactory(name=LONG, slug="st-bernadette", parent=world.district)


def test_the_heat_map_has_a_phone_drawing_at_its_own_size(world, long_named):
    chart = cadence.heat_map(cadence.district_cadence(world.district))
    phone = chart.phone
    assert phone is not None and phone.phone is None
    assert phone.width <= 320  # a 360 px phone shows it unscaled: 12 px text
    assert len(phone.rows) == len(chart.rows) == 3
    for row in phone.rows:
        assert len(row.cells) == 12
        assert all(c.x >= 0 and c.x + phone.cell_w <= phone.width for c in row.cells)
        # The name sits on its own line above its cells.
        assert row.text_y < row.y
    # Names are shortened with an ellipsis, never cut, and keep the whole name.
    by_name = {r.name or r.label: r for r in chart.rows}
    assert by_name[LONG].label.endswith("…") and len(by_name[LONG].label) == 28
    phone_row = next(r for r in phone.rows if r.name == LONG)
    assert phone_row.label.endswith("…") and len(phone_row.label) == 44
    assert by_name["North Hospital"].label == "North Hospital"
    assert by_name["North Hospital"].name == ""


def _page(client, district_lead, world, language="en") -> str:
    client.force_login(district_lead)
    return client.get(
        reverse("events:cadence", args=[world.district.slug]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()


def test_the_page_carries_both_drawings_the_phone_one_light(
    client, district_lead, world, long_named
):
    html = _page(client, district_lead, world)
    full, phone = re.findall(r"<svg .*?</svg>", html, re.S)
    uid = f"cadence-{world.district.pk}"
    assert 'class="heat heat--two"' in html
    assert "heat-svg--full" in full and "heat-svg--phone" in phone
    assert f'aria-labelledby="{uid}-title {uid}-desc"' in phone
    assert "<desc" not in phone and "data-count" not in phone
    assert phone.count("<rect ") == 3 * 12
    # The whole of a shortened name is there to read.
    assert f"<title>{LONG}</title>" in full and f"<title>{LONG}</title>" in phone
    # Coordinates ignore the locale.
    french = _page(client, district_lead, world, "fr")
    assert 'lang="fr"' in french
    for value in re.findall(r'\b(?:x|y|width|height|viewBox)="([^"]*)"', french):
        assert re.fullmatch(r"[-0-9. ]*", value), value


def test_invite_buttons_are_named_by_their_visible_text(client, district_lead, world):
    """WCAG 2.5.3 (label in name): the name starts with what the button says."""
    html = _page(client, district_lead, world)
    buttons = re.findall(r"<button[^>]*>.*?</button>", html, re.S)
    invites = [b for b in buttons if "Invite to next collaborative" in b]
    assert len(invites) == 2  # both facilities are overdue: no one met
    for button in invites:
        assert "aria-label" not in button
        assert re.search(
            r">Invite to next collaborative"
            r'<span class="visually-hidden"> \(North (Hospital|Clinic)\)</span></button>',
            button,
        )


def test_the_scrolling_tables_are_keyboard_reachable_named_regions(
    client, district_lead, world
):
    html = _page(client, district_lead, world)
    regions = re.findall(r'<div class="heat-scroll"[^>]*>', html)
    assert len(regions) == 2
    for region in regions:
        assert 'role="region"' in region and 'tabindex="0"' in region
        label = re.search(r'aria-labelledby="([^"]+)"', region).group(1)
        assert f'id="{label}"' in html


def test_the_page_still_weighs_at_most_30_kb(client, district_lead, world):
    from tests.budgets import KB, page_weight

    for i in range(12):
        FacilityFactory(name=f"{LONG} {i}", slug=f"weigh-{i}", parent=world.district)
    client.force_login(district_lead)
    weight = page_weight(client, reverse("events:cadence", args=[world.district.slug]))
    assert weight.total <= 30 * KB, weight

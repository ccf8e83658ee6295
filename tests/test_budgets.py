"""The newcomer's pages each weigh at most 30 KB compressed, CSS and JS included."""

import pytest

from .budgets import KB, linked_assets, page_weight
from .factories import seed_foundation

BUDGET = 30 * KB


@pytest.fixture
def demo(db) -> None:
    seed_foundation()


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_page_weighs_at_most_30_kb_compressed_for_a_visitor(client, demo, path):
    weight = page_weight(client, path)
    assert len(weight.parts) >= 3, weight  # the HTML, the stylesheet, the script
    assert weight.total <= BUDGET, weight


def test_home_page_weighs_at_most_30_kb_compressed_for_a_member(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email="practitioner@demo.example"))
    weight = page_weight(client, "/")
    assert weight.total <= BUDGET, weight


def test_linked_assets_finds_stylesheets_and_scripts_only():
    html = (
        '<link rel="icon" href="data:,"><link rel="preload stylesheet" href="/a.css">'
        '<script src="/b.js" defer></script><script>inline()</script>'
        '<link rel=stylesheet href="/a.css">'
    )
    assert linked_assets(html) == ["/a.css", "/b.js"]

"""The connect pages stay inside the 30 KB (compressed, with CSS and JS) budget."""

import pytest
from django.contrib.auth import get_user_model

from tests.budgets import KB, page_weight
from tests.factories import seed_foundation

pytestmark = pytest.mark.django_db
BUDGET = 30 * KB


@pytest.fixture
def demo(db, settings):
    from connect import demo as connect_demo

    context = seed_foundation()
    connect_demo.seed(context)
    return context


@pytest.mark.parametrize(
    "path, email",
    [
        ("/connect/needs/", "practitioner@demo.example"),
        ("/connect/needs/1/", "national.team@demo.example"),
        ("/connect/triage/", "national.team@demo.example"),
        ("/community/directory/", "practitioner@demo.example"),
        ("/global-developments/", None),
        ("/partner-countries/", None),
    ],
)
def test_connect_pages_are_light(client, demo, path, email):
    from connect.models import LearningNeed

    if email:
        client.force_login(get_user_model().objects.get(email=email))
    path = path.replace("/1/", f"/{LearningNeed.objects.order_by('pk').first().pk}/")
    weight = page_weight(client, path)
    assert weight.total <= BUDGET, weight

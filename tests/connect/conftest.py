"""Connect fixtures over the shared `world`: members at every facility, and helpers."""

from __future__ import annotations

import pytest

from community.models import Role
from connect import services
from tests.factories import member


@pytest.fixture(autouse=True)
def fresh_cache():
    """Wagtail caches site root paths; clear them around each test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sibling_member(world):
    """A practitioner at the sibling facility (same district)."""
    return member(Role.PRACTITIONER, world.sibling_facility, email="sib@example.org")


@pytest.fixture
def colleague(world):
    """A second practitioner at the practitioner's own facility."""
    return member(Role.PRACTITIONER, world.facility, email="colleague@example.org")


@pytest.fixture
def far_member(world):
    """A practitioner in the other district."""
    return member(Role.PRACTITIONER, world.other_facility, email="far@example.org")


@pytest.fixture
def need(practitioner, world):
    return services.need_create(
        author=practitioner,
        title="Auditing neonatal resuscitation",
        description="How do others **audit** each resuscitation?",
        organisation=world.facility,
        tags=["neonatal resuscitation", "audit"],
    )


# --- Browser ---------------------------------------------------------------------
# tests/browser's fixtures re-exported (a conftest applies only to its own folder),
# except ``browser``: here Chromium is up for one module only.

from _pytest.fixtures import FixtureFunctionDefinition  # noqa: E402

import tests.browser.conftest as _browser_conftest  # noqa: E402

for _name, _value in vars(_browser_conftest).items():
    if isinstance(_value, FixtureFunctionDefinition) and _name != "browser":
        globals()[_name] = _value

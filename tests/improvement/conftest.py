"""Improvement fixtures over the shared `world`: the catalogue, months of data, a project."""

import datetime

import pytest

from improvement import services
from improvement.models import Indicator, Measurement, current_month


def months_back(count: int, *, end: datetime.date | None = None) -> list[datetime.date]:
    """``count`` consecutive months ending with ``end`` (default: last month)."""
    last = end or (current_month() - datetime.timedelta(days=1)).replace(day=1)
    months = [last]
    while len(months) < count:
        months.insert(0, (months[0] - datetime.timedelta(days=1)).replace(day=1))
    return months


def add_series(facility, indicator, percents, *, denominator=100, end=None):
    """One month per value (a percentage of ``denominator``); ``None`` leaves a gap."""
    months = months_back(len(percents), end=end)
    for month, percent in zip(months, percents, strict=True):
        if percent is not None:
            Measurement.objects.create(
                facility=facility,
                indicator=indicator,
                period=month,
                numerator=round(denominator * percent / 100),
                denominator=denominator,
            )
    return months


@pytest.fixture
def catalogue(db):
    services.indicators_load()
    return {i.code: i for i in Indicator.objects.all()}


@pytest.fixture
def uterotonic(catalogue):
    return catalogue["MNH-03"]


@pytest.fixture
def stillbirths(catalogue):
    return catalogue["MNH-04"]


@pytest.fixture
def project(world, qi_member, uterotonic):
    return services.project_create(
        facility=world.facility,
        by=qi_member,
        title="Oxytocin in the first minute",
        aim_what="Every woman gets oxytocin within one minute.",
        aim_how_much="from 60% to 90%",
        aim_by_when=datetime.date(2030, 1, 1),
        indicators=[uterotonic],
    )

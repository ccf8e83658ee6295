"""Event pages stay light, and the admin list follows the capability map."""

import pytest

from events import services
from events.models import EventKind, Visibility
from tests.budgets import KB, page_weight

BUDGET = 30 * KB


@pytest.fixture
def busy(make_event, practitioner, qi_member):
    events = [
        make_event(title=f"Collaborative {i}", tags=["waiting times"], capacity=20)
        for i in range(20)
    ]
    webinar = make_event(
        kind=EventKind.WEBINAR,
        starts_in=-5,
        duration=60,
        visibility=Visibility.PUBLIC,
        allow_anonymous_questions=True,
    )
    for person in (practitioner, qi_member):
        services.registration_create(event=webinar, user=person)
        services.registration_create(event=events[0], user=person)
    for i in range(10):
        services.question_ask(event=webinar, author=practitioner, body=f"Question {i}?")
    return events[0], webinar


@pytest.mark.parametrize("path", ["/events/", "/events/past/", "detail", "live"])
def test_event_pages_weigh_at_most_30_kb(client, busy, practitioner, path):
    event, webinar = busy
    client.force_login(practitioner)
    path = {
        "detail": event.get_absolute_url(),
        "live": f"/events/{webinar.pk}/live/",
    }.get(path, path)
    weight = page_weight(client, path)
    assert weight.total <= BUDGET, weight


def test_admin_list_scoped_to_the_organisations_one_schedules_for(
    client, world, make_event, national_team, district_lead
):
    north = make_event(title="North meeting")
    south = make_event(title="South meeting", organiser=world.other_district)
    client.force_login(national_team)
    page = client.get("/admin/event_admin/")
    assert page.status_code == 200
    assert north.title in page.text and south.title in page.text
    client.force_login(district_lead)
    page = client.get("/admin/event_admin/")
    assert page.status_code == 200
    assert north.title in page.text and south.title not in page.text

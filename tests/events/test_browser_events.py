"""The issue's journey in Chromium, over a real ASGI server (websockets): a district
lead schedules a collaborative, a practitioner registers and gets the calendar file,
and during a live webinar two practitioners see each other's chat messages and a
question with its upvote."""

import datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest
from icalendar import Calendar

from community.demo import demo_password
from tests.browser import conftest as browser_fixtures
from tests.browser.helpers import (
    TIMEOUT_MS,
    axe_check,
    login,
    off_the_loop,
)
from tests.servers import Server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

migrated_db = browser_fixtures.migrated_db

TITLE = "Northern Hills collaborative: waiting times in labour ward"
WEBINAR = "Live webinar: the first hour after birth"


@pytest.fixture
def site(migrated_db):
    def seed():
        from django.utils import timezone

        from events import services
        from events.models import EventKind, Visibility
        from tests.factories import seed_foundation

        seeded = seed_foundation()
        users = seeded["users"]
        starts = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
        webinar = services.event_create(
            by=users["national.team"],
            organiser=seeded["country"],
            kind=EventKind.WEBINAR,
            title=WEBINAR,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            timezone="Africa/Kigali",
            online_url="https://meet.example.org/first-hour",
            visibility=Visibility.MEMBERS,
            allow_anonymous_questions=True,
        )
        for key in ("practitioner", "qi.member"):
            services.registration_create(event=webinar, user=users[key])
        return webinar.pk

    webinar_id = off_the_loop(seed)
    server = Server()
    yield server, webinar_id
    server.stop()


def new_page(browser, server):
    context = browser.new_context(
        base_url=f"http://127.0.0.1:{server.port}",
        locale="en-GB",
        extra_http_headers={"Accept-Language": "en-GB,en;q=0.8"},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def test_schedule_register_calendar_and_live_webinar(browser, site):
    server, webinar_id = site
    lead_ctx, lead = new_page(browser, server)
    amina_ctx, amina = new_page(browser, server)
    joseph_ctx, joseph = new_page(browser, server)
    try:
        # The district lead schedules a collaborative through the form.
        login(lead, "district.lead@demo.example", demo_password())
        lead.goto("/events/")
        lead.get_by_role("link", name="Schedule an event").click()
        lead.select_option("#id_kind", "collaborative")
        lead.select_option("#id_organiser", label="Northern Hills District")
        lead.fill("#id_title", TITLE)
        lead.fill("#id_description", "Bring your run charts and one change you tried.")
        lead.fill("#id_starts_at", "2030-03-04T09:00")
        lead.fill("#id_ends_at", "2030-03-04T12:30")
        lead.fill("#id_timezone", "Africa/Kigali")
        lead.fill("#id_place", "District office, room 2")
        lead.fill("#id_capacity", "30")
        lead.fill("#id_tags", "waiting times")
        with lead.expect_navigation():
            lead.get_by_role("button", name="Schedule").click()
        assert lead.locator("h1").inner_text() == TITLE
        event_url = lead.url

        # A practitioner finds it in the listing, registers and downloads the file.
        login(amina, "practitioner@demo.example", demo_password())
        amina.goto("/events/")
        axe_check(amina)
        amina.get_by_role("link", name=TITLE).click()
        axe_check(amina)
        with amina.expect_navigation():
            amina.get_by_role("button", name="Register").click()
        assert "You are registered." in amina.inner_text("#main")
        with amina.expect_download() as download_info:
            amina.get_by_role("link", name="Add to my calendar (.ics)").click()
        path = download_info.value.path()
        calendar = Calendar.from_ical(Path(path).read_bytes())
        (item,) = calendar.walk("VEVENT")
        assert str(item["SUMMARY"]) == TITLE
        assert item.decoded("DTSTART") == datetime.datetime(
            2030, 3, 4, 7, 0, tzinfo=datetime.UTC
        )
        assert item["DTSTART"].to_ical().decode().endswith("Z")
        assert str(item["URL"]).endswith(urlparse(event_url).path)

        # The live webinar: two practitioners see each other's messages and questions.
        login(joseph, "qi.member@demo.example", demo_password())
        live = f"/events/{webinar_id}/live/"
        amina.goto(live)
        joseph.goto(live)
        axe_check(amina)
        amina.get_by_label("Message", exact=True).fill("Hello from Hillside!")
        amina.get_by_role("button", name="Send").click()
        joseph.locator(".chat-log li", has_text="Hello from Hillside!").wait_for()
        joseph.get_by_label("Message", exact=True).fill("Good afternoon, Amina.")
        joseph.get_by_role("button", name="Send").click()
        amina.locator(".chat-log li", has_text="Good afternoon, Amina.").wait_for()

        joseph.get_by_label("Your question").fill("Who checks the PPH kit at night?")
        joseph.get_by_role("button", name="Ask").click()
        question = amina.locator(".qa", has_text="Who checks the PPH kit at night?")
        question.wait_for()
        question.get_by_role("button", name="Upvote").click()
        question.get_by_role("button", name="Remove my vote").wait_for()
        joseph.locator(".qa", has_text="PPH kit").locator(
            ".qa-votes", has_text="1 vote"
        ).wait_for()
        axe_check(amina)
    finally:
        for ctx in (lead_ctx, amina_ctx, joseph_ctx):
            ctx.close()


def test_webinar_chat_like_a_messaging_app(browser, site):
    """The space room's journey (tests/browser/chat_journey.py) in a webinar's room,
    on the live page beside the video link and the questions."""
    import uuid

    from django.contrib.auth import get_user_model

    from events.models import Event
    from forums import chat
    from tests.browser.chat_journey import chat_like_a_person

    server, webinar_id = site
    live = f"/events/{webinar_id}/live/"

    def history():
        room = Event.objects.get(pk=webinar_id).room
        qi = get_user_model().objects.get(email="qi.member@demo.example")
        for n in range(30):
            chat.message_send(
                room=room,
                author=qi,
                body=f"Question {n + 1} from the facilities, read out later.",
                client_id=uuid.uuid4(),
                rate_limited=False,
            )

    off_the_loop(history)
    amina_ctx, amina = new_page(browser, server)
    joseph_ctx, joseph = new_page(browser, server)
    try:
        amina.set_viewport_size({"width": 360, "height": 740})
        login(amina, "practitioner@demo.example", demo_password(), next_url=live)
        login(joseph, "qi.member@demo.example", demo_password(), next_url=live)

        def reopen():
            page = amina_ctx.new_page()
            page.goto(live)
            return page

        chat_like_a_person(amina, joseph, reopen)
    finally:
        amina_ctx.close()
        joseph_ctx.close()

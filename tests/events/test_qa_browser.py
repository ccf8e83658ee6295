"""The live Q&A in Chromium over a real ASGI server: a new question reaches another
attendee through the room socket's qa.changed frame (no polling while the socket is
open), and a question a moderator flags disappears from the attendees' pages. And the
live poll: the host starts one, it appears on the attendees' phones, a vote moves the
host's counts, all through the same socket."""

import datetime
from pathlib import Path

import pytest

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

# Well under the slow poll (45 s): what arrives this fast came through the socket.
LIVE_MS = 10_000


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
            title="Live webinar: night shifts",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            timezone="Africa/Kigali",
            online_url="https://meet.example.org/night-shifts",
            visibility=Visibility.MEMBERS,
        )
        for key in ("practitioner", "qi.member"):
            services.registration_create(event=webinar, user=users[key])
        return webinar.pk

    webinar_id = off_the_loop(seed)
    server = Server()
    yield server, webinar_id
    server.stop()


def new_page(browser, server, *, french_phone: bool = False):
    language = "fr-FR,fr;q=0.9" if french_phone else "en-GB,en;q=0.8"
    context = browser.new_context(
        base_url=f"http://127.0.0.1:{server.port}",
        locale=language.split(",")[0],
        extra_http_headers={"Accept-Language": language},
        viewport={"width": 360, "height": 740} if french_phone else None,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def open_live(page, path: str) -> list[str]:
    """Open the live page once its room socket is up; return the list of Q&A
    fetches the page makes from then on."""
    fetches: list[str] = []
    page.on(
        "request",
        lambda request: (
            fetches.append(request.url) if "part=questions" in request.url else None
        ),
    )
    with page.expect_websocket() as socket_info:
        page.goto(path)
    socket = socket_info.value
    if not socket.is_closed():
        socket.wait_for_event("framereceived")  # accepted: the presence count
    return fetches


def test_questions_arrive_by_the_socket_and_flagged_ones_leave(browser, site):
    server, webinar_id = site
    live = f"/events/{webinar_id}/live/"
    amina_ctx, amina = new_page(browser, server)
    joseph_ctx, joseph = new_page(browser, server)
    steward_ctx, steward = new_page(browser, server)
    try:
        login(amina, "practitioner@demo.example", demo_password())
        login(joseph, "qi.member@demo.example", demo_password())
        login(steward, "moderator@demo.example", demo_password())
        amina_fetches = open_live(amina, live)
        open_live(joseph, live)
        assert amina.locator("[data-qa-refresh]").is_hidden()

        joseph.get_by_label("Your question").fill("Who restocks the PPH kit at night?")
        joseph.get_by_role("button", name="Ask").click()
        joseph.get_by_role("status").filter(has_text="Question posted.").wait_for()
        question = amina.locator(".qa", has_text="Who restocks the PPH kit at night?")
        question.wait_for(timeout=LIVE_MS)
        # One fetch of the list, prompted by the frame: no polling meanwhile.
        assert len(amina_fetches) == 1, amina_fetches
        axe_check(amina)

        # Another question arrives; the first one's item is left alone (a screen
        # reader announces only the new one).
        question.evaluate("li => { li.dataset.kept = 'yes'; }")
        joseph.get_by_label("Your question").fill("Is there a night checklist?")
        joseph.get_by_role("button", name="Ask").click()
        amina.locator(".qa", has_text="night checklist").wait_for(timeout=LIVE_MS)
        assert question.get_attribute("data-kept") == "yes"

        # Amina votes: the count changes in place and her focus stays on the button.
        question.get_by_role("button", name="Upvote").click()
        undo = question.get_by_role("button", name="Remove my vote")
        undo.wait_for(timeout=LIVE_MS)
        assert undo.evaluate("button => document.activeElement === button")
        joseph.locator(".qa", has_text="PPH kit").locator(
            ".qa-votes", has_text="1 vote"
        ).wait_for(timeout=LIVE_MS)

        # A moderator sees it, flags it; their flag alone hides it for review.
        open_live(steward, live)
        steward.locator(".qa", has_text="PPH kit").get_by_role(
            "link", name="Flag"
        ).click()
        steward.get_by_label("Harassment or disrespect").check()
        with steward.expect_navigation():
            steward.get_by_role("button", name="Send flag").click()
        assert "/live/" in steward.url

        question.wait_for(state="detached", timeout=LIVE_MS)
        joseph.locator(".qa", has_text="PPH kit").wait_for(
            state="detached", timeout=LIVE_MS
        )
    finally:
        for ctx in (amina_ctx, joseph_ctx, steward_ctx):
            ctx.close()


SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_a_live_poll_on_phones_in_french(browser, site):
    """The host starts a poll during the session; it appears on an attendee's phone
    without a reload; her vote moves the host's counts live, and she sees the counts
    only once she has voted."""
    server, webinar_id = site
    live = f"/events/{webinar_id}/live/"
    host_ctx, host = new_page(browser, server, french_phone=True)
    amina_ctx, amina = new_page(browser, server, french_phone=True)
    try:
        login(host, "national.team@demo.example", demo_password())
        login(amina, "practitioner@demo.example", demo_password())
        open_live(amina, live)
        open_live(host, live)
        assert amina.get_by_role("link", name="Lancer un sondage").count() == 0

        host.get_by_role("link", name="Lancer un sondage").click()
        host.get_by_label("Question").fill("Que ferez-vous en premier ?")
        host.get_by_label("Réponses").fill("Un kit HPP\nUn exercice par mois")
        with host.expect_navigation():
            host.get_by_role("button", name="Lancer le sondage").click()
        assert "/live/" in host.url
        poll = host.locator(".poll", has_text="Que ferez-vous en premier ?")
        poll.wait_for()
        assert host.locator("[data-polls]").is_visible()

        # The poll reaches Amina's open page by the socket: no reload.
        mine = amina.locator(".poll", has_text="Que ferez-vous en premier ?")
        mine.wait_for(timeout=LIVE_MS)
        assert mine.locator(".poll-results").count() == 0  # counts after her vote
        amina.screenshot(path=SHOTS / "live-poll-vote-360-fr.png", full_page=True)
        axe_check(amina, context={"include": [[".polls"]]})
        assert amina.evaluate("document.documentElement.scrollWidth") <= 360

        mine.get_by_label("Un exercice par mois").check()
        mine.get_by_role("button", name="Voter").click()
        amina.get_by_role("status").filter(has_text="votre vote est compté").wait_for(
            timeout=LIVE_MS
        )
        amina.locator(".poll-done").wait_for(timeout=LIVE_MS)
        assert "/live/" in amina.url  # she never left the session

        # The host's counts move live.
        poll.locator(".poll-count", has_text="1 vote").wait_for(timeout=LIVE_MS)
        host.screenshot(path=SHOTS / "live-poll-host-360-fr.png", full_page=True)
        with host.expect_navigation():
            poll.get_by_role("button", name="Fermer le sondage").click()
        amina.locator(".poll", has_text="Fermé").wait_for(timeout=LIVE_MS)
    finally:
        for ctx in (host_ctx, amina_ctx):
            ctx.close()

"""The journey from the issue, in Chromium: a practitioner asks in a district space,
a peer from another facility answers, the asker marks it as the answer that helped,
and the answerer sees the notification."""

import pytest

from community.demo import demo_password
from tests.browser import conftest as browser_fixtures
from tests.browser.helpers import (
    axe_check,
    login,
    off_the_loop,
    require_chromium,
    running_chromium,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# tests/browser's per-test fixtures; Chromium itself is up for this module only.
migrated_db = browser_fixtures.migrated_db
context = browser_fixtures.context
page = browser_fixtures.page

TITLE = "How do you keep small babies warm at night?"


@pytest.fixture(scope="module")
def browser(request):
    require_chromium()
    request.getfixturevalue("django_db_setup")
    with running_chromium(request.getfixturevalue("django_db_blocker")) as chromium:
        yield chromium


@pytest.fixture
def district_space(live_server, django_db_serialized_rollback):
    from forums import services
    from forums.models import Visibility
    from tests.factories import seed_foundation

    def seed():
        seeded = seed_foundation()
        return services.space_create(
            name="Northern Hills district network",
            slug="northern-hills-network",
            visibility=Visibility.ORGANISATION,
            organisation=seeded["organisations"]["northern-hills"],
        )

    return off_the_loop(seed)


def test_question_answered_by_a_peer_and_marked_helpful(
    browser, district_space, page, context
):
    # The practitioner at Hillside asks in the district space.
    login(page, "practitioner@demo.example", demo_password())
    page.goto("/forums/")
    page.get_by_role("link", name="Northern Hills district network").click()
    page.get_by_role("link", name="Start a thread").click()
    page.fill("#id_title", TITLE)
    page.select_option("#id_kind", "question")
    page.fill("#id_body", "One nurse for 14 babies at night. What works for you?")
    with page.expect_navigation():
        page.get_by_role("button", name="Post thread").click()
    assert page.locator("h1").inner_text() == TITLE
    thread_url = page.url

    # A peer from Kato Health Centre, another facility of the district, answers.
    peer = context.browser.new_context(base_url=page.url.split("/forums/")[0])
    peer_page = peer.new_page()
    login(peer_page, "safe.poster@demo.example", demo_password())
    peer_page.goto(thread_url)
    axe_check(peer_page)
    peer_page.fill("#id_body", "Move the small babies beside the nurses' desk.")
    with peer_page.expect_navigation():
        peer_page.get_by_role("button", name="Post reply").click()
    assert "beside the nurses' desk" in peer_page.inner_text("#posts")

    # The asker sees the reply and marks it as the answer that helped.
    page.goto(thread_url)
    page.get_by_role("button", name="Mark as the answer that helped").click()
    page.wait_for_selector(".post--answer")
    assert "Answer that helped" in page.inner_text(".post--answer")

    # The answerer sees the bell and the notification.
    peer_page.goto("/forums/")
    assert peer_page.locator(".bell .count").inner_text() == "1"
    peer_page.get_by_role("link", name="Notifications").click()
    assert "marked as the answer" in peer_page.inner_text("#main")
    axe_check(peer_page)
    peer.close()

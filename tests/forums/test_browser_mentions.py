"""The mention suggestions in Chromium: "@Jo" lists Joseph, the keyboard picks him,
the reply links his page, and the list passes axe while open."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from community.demo import demo_password
from tests.browser import conftest as browser_fixtures
from tests.browser.helpers import (
    axe_check,
    login,
    off_the_loop,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

migrated_db = browser_fixtures.migrated_db
context = browser_fixtures.context
page = browser_fixtures.page
# Screenshots a person can look at after a run (ignored by git).
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def thread_url(live_server, django_db_serialized_rollback):
    from forums import services
    from forums.models import Visibility
    from tests.factories import seed_foundation

    def seed():
        from django.contrib.auth import get_user_model

        seed_foundation()
        space = services.space_create(
            name="Night shifts", slug="night-shifts", visibility=Visibility.MEMBERS
        )
        author = get_user_model().objects.get(email="coach@demo.example")
        thread = services.thread_create(
            space=space, author=author, title="Handover checklists", body="Ideas?"
        )
        return thread.get_absolute_url()

    return off_the_loop(seed)


def test_typing_at_lists_readers_and_the_keyboard_inserts_one(
    browser, thread_url, page
):
    login(page, "practitioner@demo.example", demo_password())
    page.goto(thread_url)
    box = page.locator("#id_body")
    box.click()
    box.press_sequentially("Thanks @Jo", delay=30)
    listbox = page.get_by_role("listbox", name="Members to mention")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option", name="Joseph (QI team)")
    expect(option).to_have_attribute("aria-selected", "true")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    axe_check(page)
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 360, "height": 740})
    listbox.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "mention-suggestions.png")

    box.press("Escape")  # closes, keeps the text
    expect(listbox).to_be_hidden()
    assert box.input_value() == "Thanks @Jo"

    box.press_sequentially("s", delay=30)
    expect(option).to_be_visible()
    box.press("Enter")  # inserts the name; no new line
    assert box.input_value() == "Thanks @Joseph (QI team) "
    expect(listbox).to_be_hidden()

    box.press_sequentially("for the list.", delay=10)
    with page.expect_navigation():
        page.get_by_role("button", name="Post reply").click()
    link = page.locator("#posts a.mention", has_text="@Joseph (QI team)")
    expect(link).to_have_count(1)
    link.click()
    expect(page.locator("h1")).to_have_text("Joseph (QI team)")
    assert "@Joseph (QI team)" in page.inner_text("main")
    axe_check(page)  # the member's page, with its link to copy


@pytest.fixture
def room_url(thread_url):
    def seed():
        from forums import chat
        from forums.models import Space

        return chat.room_for_space(space=Space.objects.get(slug="night-shifts"))

    return off_the_loop(seed).get_absolute_url()


def test_the_chat_box_suggests_too_and_enter_picks_instead_of_sending(
    browser, room_url, page
):
    login(page, "practitioner@demo.example", demo_password())
    page.goto(room_url)
    box = page.get_by_label("Message", exact=True)
    box.click()
    box.press_sequentially("@ruth", delay=30)
    option = page.get_by_role("option", name="Ruth Mensah")
    expect(option).to_be_visible()
    axe_check(page)
    box.press("Tab")
    assert box.input_value() == "@Ruth Mensah "
    expect(page.locator(".chat-log .chat-body")).to_have_count(0)  # nothing sent
    box.press_sequentially("can you check the rota?", delay=5)
    page.get_by_role("button", name="Send").click()
    link = page.locator(".chat-log a.mention", has_text="@Ruth Mensah")
    expect(link).to_have_count(1)

"""The journey from the issue, in Chromium over a real ASGI server: a practitioner flags
a post, a moderator hides it from the queue, and the post disappears from the thread
page a reader has open in another browser, live."""

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import conftest as browser_fixtures
from tests.browser.helpers import (
    TIMEOUT_MS,
    axe_check,
    off_the_loop,
)
from tests.servers import Server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

migrated_db = browser_fixtures.migrated_db

BLAME = "It was the night midwife's fault, she is always late."


@pytest.fixture
def flagged_setup(migrated_db):
    def seed():
        from community.models import Role
        from forums import services
        from forums.models import Space, Visibility
        from tests.factories import OrganisationFactory, member

        country = OrganisationFactory(name="Flagland", slug="flagland")
        space = Space.objects.create(
            name="Labour ward", slug="labour-ward", visibility=Visibility.MEMBERS
        )
        people = {
            name: member(role, country, email=f"{name}@example.org")
            for name, role in [
                ("author", Role.PRACTITIONER),
                ("flagger", Role.PRACTITIONER),
                ("reader", Role.QI_MEMBER),
                ("steward", Role.MODERATOR),
            ]
        }
        thread = services.thread_create(
            space=space,
            author=people["flagger"],
            title="Late handovers",
            body="Handovers run late most nights. What helps?",
        )
        post = services.post_create(thread=thread, author=people["author"], body=BLAME)
        sessions = {}
        for name, user in people.items():
            client = Client()
            client.force_login(user)
            sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return thread.get_absolute_url(), post.ref, sessions

    thread_url, post_pk, sessions = off_the_loop(seed)
    server = Server()
    yield server, thread_url, post_pk, sessions
    server.stop()


def open_as(browser, server, session):
    context = browser.new_context(
        base_url=f"http://127.0.0.1:{server.port}", locale="en-GB"
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session,
                "domain": "127.0.0.1",
                "path": "/",
            }
        ]
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def test_flagged_post_hidden_from_the_queue_disappears_live(browser, flagged_setup):
    server, thread_url, post_pk, sessions = flagged_setup
    contexts = []
    try:
        # A reader has the thread open, with its live socket.
        ctx, reader = open_as(browser, server, sessions["reader"])
        contexts.append(ctx)
        reader.goto(thread_url)
        post = reader.locator(f"#post-{post_pk}")
        post.wait_for()
        assert BLAME in post.inner_text()
        reader.wait_for_timeout(500)  # the live socket connects

        # A practitioner flags the post from the thread page.
        ctx, flagger = open_as(browser, server, sessions["flagger"])
        contexts.append(ctx)
        flagger.goto(thread_url)
        flagger.locator("[data-number='2']").get_by_role("link", name="Flag").click()
        flagger.get_by_label("Blames or names an individual").check()
        flagger.get_by_label("Anything the moderators should know (optional)").fill(
            "Names a colleague."
        )
        axe_check(flagger)
        with flagger.expect_navigation():
            flagger.get_by_role("button", name="Send flag").click()

        # The moderator finds it in the queue and hides it.
        ctx, steward = open_as(browser, server, sessions["steward"])
        contexts.append(ctx)
        steward.goto("/moderation/")
        case = steward.locator("article.case", has_text="night midwife")
        case.wait_for()
        assert "Names a colleague." in case.inner_text()
        axe_check(steward)
        case.get_by_label("Decision").select_option("hide")
        case.get_by_label("Reason", exact=False).first.fill("Blames a named colleague")
        with steward.expect_navigation():
            case.get_by_role("button", name="Decide").click()

        # Gone from the reader's open page without a reload.
        reader.locator(f"#post-{post_pk}").wait_for(state="detached")
        assert BLAME not in reader.inner_text("body")
    finally:
        for ctx in contexts:
            ctx.close()

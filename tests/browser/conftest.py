"""Browser tests: Debian's Chromium driven by Playwright's sync API.

Put browser tests in this package and mark them ``@pytest.mark.browser``. They get a
fresh browser context per test (``page``) and the foundation's demo (``demo_site``);
``helpers.py`` has ``login``, ``axe_check`` and ``off_the_loop``. Django's outbox is
pytest-django's ``mailoutbox``. Browser tests elsewhere (a plugin's own package) can
build the same fixtures on ``helpers.running_chromium``.

Chromium runs for the duration of this package only, not the whole session: while
Playwright's sync API is running it leaves an asyncio loop marked as running in the
main thread, which would break every later ``pytest-asyncio`` test and make Django
refuse ORM calls. See ``helpers.running_chromium`` for what that takes.
"""

import pytest

from tests import databases

from .helpers import (  # noqa: F401 - re-exported for browser tests elsewhere
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    _carry_serialized_contents,
    off_the_loop,
    require_chromium,
    running_chromium,
)


@pytest.fixture(scope="package", autouse=True)
def browser(request):
    # Autouse and package-scoped so that a missing Chromium skips every test here
    # before any database is set up.
    require_chromium()
    request.getfixturevalue("django_db_setup")
    with running_chromium(request.getfixturevalue("django_db_blocker")) as browser:
        yield browser


@pytest.fixture
def migrated_db(live_server, django_db_serialized_rollback) -> None:
    """The database as migrations left it, committed, so the live server sees it.

    ``django_db_serialized_rollback`` restores the rows migrations create (Wagtail's
    root page, default site, content types) that the transactional flush removes.
    """


@pytest.fixture
def context(browser, live_server, migrated_db):
    """A fresh browser context (cookies, storage) per test, in English."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        extra_http_headers={"Accept-Language": "en-GB,en;q=0.8"},
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A tab; the test fails if a stylesheet, script or image it loads is missing."""
    page = context.new_page()
    broken: list[str] = []

    def check(response) -> None:
        request = response.request
        if request.resource_type != "document" and response.status >= 400:
            broken.append(f"{response.status} {request.url}")

    page.on("response", check)
    yield page
    if broken:
        pytest.fail("sub-resources failed to load:\n" + "\n".join(broken))


@pytest.fixture
def demo_site(migrated_db) -> None:
    """The foundation's demo: organisations, people with every role, the page tree.

    Only the base's seeds run (not ``seed_demo``'s every plugin), so a plugin's demo
    data in progress cannot break these tests; plugin tests add their own. Seeded once
    per run on SQLite and copied in (``tests.databases.install_foundation``).
    """
    databases.install_foundation()

"""Every page a role's navigation offers, for every demo role, on a 360 px phone in
French: no sideways scrolling, no console error, no WCAG 2.1 AA violation, no link
that ends in a refusal.

"Offers" means the site's header navigation and the links each section's front page
gives within that section (its tools, lists and first items), so the pages a person
reaches in two taps. Pages are told apart by what renders them (the URL pattern, or
the Wagtail page type), so a section's fifty threads count as one thread page.

The whole demo is copied in once per module (it is seeded once per run) and each role
walks it in its own test and browser context (parallel workers share the roles out); a
role's failures are gathered and reported together, so one run shows them all.
"""

import time

import pytest
from django.urls import Resolver404, resolve

from community.demo import demo_password
from tests import databases
from tests.browser.helpers import (
    TIMEOUT_MS,
    axe_violations,
    format_violations,
    login,
)
from tests.servers import Server

# The marker asks pytest-django for the test database and its snapshot of migrated
# rows, which put the database back after the module (see ``_django_db_marker``).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(serialized_rollback=True)]

ROLES = [
    "practitioner",
    "qi.member",
    "facility.lead",
    "coach",
    "district.lead",
    "national.team",
    "editor",
    "moderator",
    "safe.poster",
    "admin",
]
PHONE = {"width": 360, "height": 740}
# Not pages a member reads on the site: Wagtail's own admin (it has its own layout
# and tests), sign-out, and files.
SKIP_PREFIXES = ("/admin/", "/django-admin/", "/accounts/logout", "/media/", "/static/")


def _page_kinds() -> dict[str, str]:
    """Each Wagtail page's path and type, read once: the tests hold no database
    connection while a server they drive writes to it."""
    from wagtail.models import Page

    return {
        page.url_path: page.specific_class.__name__
        for page in Page.objects.filter(depth__gt=1).specific(defer=True)
    }


def _page_kind(path: str, pages: dict[str, str]):
    """What renders ``path``: a view's name, or a Wagtail page's type."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name == "wagtail_serve":
        url_path = "/home/" + path.strip("/") + ("/" if path.strip("/") else "")
        return ("page", pages.get(url_path, path))
    return ("view", match.view_name)


# One round trip per page for what every page is checked for: its language, its
# width, the main content's structure, and the section links it offers.
#
# The structure is each element's tag, classes, role and type, in order, without its
# text. Two roles shown the same structure (a thread read by a practitioner and by a
# coach) are checked by axe once; a role that gets another button or form gets its own
# check.
FACTS = """([limit, prefix, path]) => {
    const main = Array.from(document.querySelectorAll('main *'));
    const width = document.documentElement.scrollWidth;
    let widest = null;
    if (width > limit) {
        for (const el of main) {
            const r = el.getBoundingClientRect();
            if (r.right > limit + 1 && !el.closest('.table-scroll, [role=region]')) {
                widest = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                    + (el.className && el.className.baseVal === undefined
                       ? '.' + el.className : '');
                break;
            }
        }
    }
    return {
        lang: document.documentElement.getAttribute('lang'),
        width: width,
        widest: widest || '?',
        skeleton: main.map(e => [e.tagName, e.getAttribute('class'),
            e.getAttribute('role'), e.getAttribute('type')].join(' ')).join('|'),
        links: Array.from(document.querySelectorAll('main a[href]:not([download])'),
            a => a.pathname).filter(h => h.startsWith(prefix) && h !== path),
    };
}"""
# Script errors that come a moment after the page has loaded still count: each page
# is watched for at least this long after its load (the checks usually take longer).
LATE_ERRORS_MS = 50


def _axe(page) -> str | None:
    violations = axe_violations(page)
    return format_violations(violations) if violations else None


def _walk(browser, site: dict, role: str) -> tuple[int, list[str]]:
    context = browser.new_context(
        base_url=site["url"],
        viewport=PHONE,
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: console.append(str(error)))
    page.on(
        "response",
        lambda response: (
            console.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    failures: list[str] = []
    try:
        login(page, f"{role}@demo.example", demo_password())
        page.goto("/")
        todo = [
            (href, True)
            for href in page.eval_on_selector_all(
                "header nav a[href]", "links => links.map(a => a.pathname)"
            )
        ]
        seen: set = set()
        top_checked = False
        while todo:
            path, top = todo.pop(0)
            kind = _page_kind(path, site["pages"])
            if path.startswith(SKIP_PREFIXES) or kind is None or kind in seen:
                continue
            seen.add(kind)
            del console[:]
            response = page.goto(path)
            loaded = time.monotonic()
            where = f"{role} {path}"
            if response.status >= 400:
                failures.append(f"{where}: offered, but answers {response.status}")
                continue
            if "text/html" not in response.headers.get("content-type", ""):
                continue  # a feed or a calendar file: nothing to lay out
            prefix = "/" + path.strip("/").split("/")[0] + "/"
            facts = page.evaluate(FACTS, [PHONE["width"], prefix, path])
            if facts["lang"] != "fr":
                failures.append(f"{where}: not in French")
            if facts["width"] > PHONE["width"]:
                failures.append(
                    f"{where}: {facts['width']} px wide"
                    f" (first too-wide element: {facts['widest']})"
                )
            # axe once per kind of page and role (the same page differs by role: its
            # buttons, its forms), unless another role was shown the same structure;
            # each role's first page checks its own header.
            if facts["skeleton"] not in site["checked"] or not top_checked:
                site["checked"].add(facts["skeleton"])
                top_checked = True
                if problem := _axe(page):
                    failures.append(f"{where}: axe\n{problem}")
            if top:
                todo.extend((href, False) for href in facts["links"])
            waited_ms = (time.monotonic() - loaded) * 1000
            if waited_ms < LATE_ERRORS_MS:
                page.wait_for_timeout(LATE_ERRORS_MS - waited_ms)
            if console:
                failures.append(f"{where}: console: {console[:3]}")
        return len(seen), failures
    finally:
        context.close()


@pytest.fixture(scope="module")
def demo_server(browser, django_db_blocker):
    """The whole demo, copied in for the module and committed, served by daphne as
    deployed (the pages' sockets, chat and live threads, connect too). The roles only
    read it; the database is put back as migrations left it afterwards."""
    with django_db_blocker.unblock():
        databases.install_demo()
        server = Server()
        try:
            yield {
                "url": f"http://127.0.0.1:{server.port}",
                "pages": _page_kinds(),
                "checked": set(),  # main structures axe has seen, shared by roles
            }
        finally:
            server.stop()
            databases.install_migrated()


@pytest.fixture(autouse=True)
def _django_db_marker():
    """pytest-django's marker would also wrap each test in a transaction; on SQLite
    that holds the write lock, and the server the test drives could not sign anyone
    in. These tests touch the database only through the server."""


@pytest.mark.parametrize("role", ROLES)
def test_every_offered_page_on_a_phone_in_french(browser, demo_server, role):
    count, failures = _walk(browser, demo_server, role)
    # The walk reached each section's pages, not only the front doors.
    assert count >= 20, count
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)

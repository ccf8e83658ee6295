"""Every page a role's navigation offers, for every demo role, on a 360 px phone in
French: no sideways scrolling, no console error, no WCAG 2.1 AA violation, no link
that ends in a refusal.

"Offers" means the site's header navigation and the links each section's front page
gives within that section (its tools, lists and first items), so the pages a person
reaches in two taps. Pages are told apart by what renders them (the URL pattern, or
the Wagtail page type), so a section's fifty threads count as one thread page.

The whole demo is seeded once and each role walks it in its own browser context; the
failures of all roles are gathered and reported together, so one run shows them all.
"""

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from community.demo import demo_password
from tests.browser.helpers import (
    TIMEOUT_MS,
    WCAG_TAGS,
    format_violations,
    login,
    off_the_loop,
)
from tests.servers import Server

pytestmark = pytest.mark.browser

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


def _page_kind(path: str):
    """What renders ``path``: a view's name, or a Wagtail page's type."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name == "wagtail_serve":
        from wagtail.models import Page

        url_path = "/home/" + path.strip("/") + ("/" if path.strip("/") else "")
        page = Page.objects.filter(url_path=url_path).first()
        return ("page", page.specific_class.__name__ if page else path)
    return ("view", match.view_name)


def _section_links(page, path: str) -> list[str]:
    prefix = "/" + path.strip("/").split("/")[0] + "/"
    hrefs = page.eval_on_selector_all(
        "main a[href]:not([download])", "links => links.map(a => a.pathname)"
    )
    return [href for href in hrefs if href.startswith(prefix) and href != path]


def _overflow(page) -> str | None:
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return None
    widest = page.evaluate(
        """limit => {
            for (const el of document.querySelectorAll('main *')) {
                const r = el.getBoundingClientRect();
                if (r.right > limit + 1 && !el.closest('.table-scroll, [role=region]'))
                    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                        + (el.className && el.className.baseVal === undefined
                           ? '.' + el.className : '');
            }
            return '?';
        }""",
        PHONE["width"],
    )
    return f"{width} px wide (first too-wide element: {widest})"


# The main content's structure: each element's tag, classes, role and type, in order,
# without its text. Two roles shown the same structure (a thread read by a practitioner
# and by a coach) are checked by axe once; a role that gets another button or form gets
# its own check.
MAIN_SKELETON = """() => Array.from(document.querySelectorAll('main *'), e =>
    [e.tagName, e.getAttribute('class'), e.getAttribute('role'), e.getAttribute('type')]
    .join(' ')).join('|')"""


def _axe(page) -> str | None:
    from axe_playwright_python.sync_playwright import Axe

    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    violations = Axe().run(page, options=options).response["violations"]
    return format_violations(violations) if violations else None


def _walk(browser, base_url: str, role: str, checked: set) -> tuple[int, list[str]]:
    context = browser.new_context(
        base_url=base_url,
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
            kind = _page_kind(path)
            if path.startswith(SKIP_PREFIXES) or kind is None or kind in seen:
                continue
            seen.add(kind)
            del console[:]
            response = page.goto(path)
            where = f"{role} {path}"
            if response.status >= 400:
                failures.append(f"{where}: offered, but answers {response.status}")
                continue
            if "text/html" not in response.headers.get("content-type", ""):
                continue  # a feed or a calendar file: nothing to lay out
            page.wait_for_load_state("load")
            if page.locator("html").get_attribute("lang") != "fr":
                failures.append(f"{where}: not in French")
            if problem := _overflow(page):
                failures.append(f"{where}: {problem}")
            # axe once per kind of page and role (the same page differs by role: its
            # buttons, its forms), unless another role was shown the same structure;
            # each role's first page checks its own header.
            markup = page.evaluate(MAIN_SKELETON)
            if markup not in checked or not top_checked:
                checked.add(markup)
                top_checked = True
                if problem := _axe(page):
                    failures.append(f"{where}: axe\n{problem}")
            if top:
                todo.extend((href, False) for href in _section_links(page, path))
            page.wait_for_timeout(50)  # let late script errors arrive
            if console:
                failures.append(f"{where}: console: {console[:3]}")
        return len(seen), failures
    finally:
        context.close()


def test_every_role_every_offered_page_on_a_phone_in_french(browser, migrated_db):
    off_the_loop(call_command, "seed_demo", quiet_accounts=True)
    # daphne, as deployed: the pages' sockets (chat, live threads) connect too.
    server = Server()
    failures: list[str] = []
    checked: set = set()
    counts = {}
    try:
        for role in ROLES:
            counts[role], found = _walk(
                browser, f"http://127.0.0.1:{server.port}", role, checked
            )
            failures.extend(found)
    finally:
        server.stop()
    # The walk reached each section's pages, not only the front doors.
    assert all(n >= 20 for n in counts.values()), counts
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)

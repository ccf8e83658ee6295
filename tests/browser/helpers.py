"""Helpers for browser tests: run Chromium, sign in, check a page with axe-core."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT  # axe-core, as the package ships it
from django.db import connections

from tests.databases import (  # off_the_loop: the browser tests' name for it
    install_migrated,
    off_the_loop,  # noqa: F401
)

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 15_000
# WCAG 2.0 and 2.1, levels A and AA: the "Done when" of the foundation issue.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def require_chromium() -> None:
    """Skip without Debian's Chromium; fail instead when ``REQUIRE_BROWSER=1`` (CI)."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@contextmanager
def running_chromium(django_db_blocker) -> Iterator:
    """Chromium for a package or module of browser tests, and what it takes.

    - Playwright's loop runs in this thread while Chromium is up, so ORM calls here
      need ``DJANGO_ALLOW_ASYNC_UNSAFE`` (set only meanwhile), and Django hands this
      thread new connection objects: they get the migrated-rows snapshot that
      ``serialized_rollback`` restores from.
    - The tests use ``serialized_rollback`` (the live server needs committed rows,
      and Wagtail's root page comes from a migration). Each restore starts from an
      emptied database (``tests.databases.restore_into_an_empty_database``); the
      last test's flush does not re-run post_migrate, so the migrated rows are put
      back after, as the tests that follow expect.
    """
    from playwright.sync_api import sync_playwright

    outside = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as playwright:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        _carry_serialized_contents(outside)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
            with django_db_blocker.unblock():
                install_migrated()
                connections.close_all()


def _carry_serialized_contents(outside: dict) -> None:
    for alias, connection in outside.items():
        if hasattr(connection, "_test_serialized_contents"):
            snapshot = connection._test_serialized_contents
            connections[alias]._test_serialized_contents = snapshot


def login(page, email: str, password: str, *, next_url: str = "") -> None:
    """Sign in through the real login form; fail with its errors if it refuses."""
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    page.goto(url)
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    if "/accounts/login/" in page.url:
        errors = page.locator(".errors, .errorlist").all_inner_texts()
        pytest.fail(f"login as {email} failed: {errors or page.url}", pytrace=False)


def axe_violations(
    page, *, context=None, disable: tuple[str, ...] = (), enable: tuple[str, ...] = ()
) -> list:
    """axe-core's WCAG 2.x A/AA violations on the current page.

    axe-core comes from the ``axe-playwright-python`` package, whose runner sends the
    whole 570 KB script and takes every result back on each call: here the script is
    sent once per document and only the violations come back. ``context`` narrows the
    check (an axe context: selector or include/exclude dict); ``disable`` turns off
    rules by id, which should come with a comment saying why; ``enable`` turns on rules
    axe keeps off by default (its experimental ones).
    """
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable}
        | {rule: {"enabled": True} for rule in enable},
    }
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate(
        "([context, options]) => axe.run(context || document, options)"
        ".then(results => results.violations)",
        [context, options],
    )


def axe_check(page, *, context=None, disable: tuple[str, ...] = ()) -> None:
    """Run axe-core on the current page; fail listing every WCAG 2.x A/AA violation."""
    violations = axe_violations(page, context=context, disable=disable)
    if violations:
        pytest.fail(
            f"axe found {len(violations)} WCAG violation(s) on {page.url}:\n"
            + format_violations(violations),
            pytrace=False,
        )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)

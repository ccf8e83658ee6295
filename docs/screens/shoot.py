"""Take the README's phone screens from a running demo (``make run``), in French at
360 px, as the demo members see them.

    .venv/bin/python docs/screens/shoot.py http://127.0.0.1:8000

Uses Debian's Chromium (``CHROMIUM`` to point elsewhere). Writes the PNGs beside this
file. The pages are found by following links, as a person would, so the script keeps
working when the demo's ids change.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
# The demo's password: make run prints it; DEMO_PASSWORD if the demo was seeded with one.
PASSWORD = os.environ.get("DEMO_PASSWORD", "learn-together-2026")  # noqa: S105
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def signed_in(browser, base: str, who: str):
    context = browser.new_context(
        base_url=base,
        viewport={"width": 360, "height": 740},
        device_scale_factor=1,
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9"},
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", f"{who}@demo.example")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("load")
    return context, page


def shot(page, name: str) -> None:
    """A screenful, kept small for the repository: 128 colours are plenty for text."""
    from PIL import Image

    page.wait_for_timeout(400)  # the chat's socket and fonts settle
    path = HERE / f"{name}.png"
    page.screenshot(path=str(path))
    Image.open(path).convert("RGB").quantize(colors=128).save(path, optimize=True)
    print(name)


def follow(page, selector: str) -> None:
    page.locator(selector).first.click()
    page.wait_for_load_state("load")


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=ARGS
        )
        context, page = signed_in(browser, base, "practitioner")
        page.goto("/")
        shot(page, "home")
        page.goto("/forums/s/newborn-care/chat/")
        shot(page, "chat-room")
        page.goto("/forums/s/newborn-care/")
        follow(page, "main a[href^='/forums/t/']")
        shot(page, "thread")
        page.goto("/library/")
        shot(page, "library")
        page.goto("/events/")
        follow(page, "main a:has-text('Stopping postpartum haemorrhage')")
        follow(page, "main a[href$='/live/']")
        shot(page, "webinar-live")
        context.close()

        context, page = signed_in(browser, base, "coach")
        page.goto("/improvement/")
        follow(page, "main a[href^='/improvement/f/']")
        follow(page, "main a[href^='/improvement/f/'][href$='/'] >> nth=0")
        shot(page, "run-chart")
        context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")

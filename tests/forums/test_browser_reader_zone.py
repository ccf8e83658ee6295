"""A post that arrives live was rendered once for every reader: forums.js puts its time
in the page's zone (the reader's), worded as the server words the rest of the page."""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCRIPT = Path(settings.BASE_DIR) / "forums" / "static" / "forums" / "forums.js"

PAGE = """<!DOCTYPE html><html lang="en"><body>
<div id="posts" data-live="/ws/forums/threads/x/" data-zone="{zone}" data-page="1"></div>
<p id="live-status"></p>
<script>
  // A socket the test drives: it hands over one frame, as the server would.
  window.sockets = [];
  window.WebSocket = function () {{ window.sockets.push(this); }};
  window.COP = {{ enhance: function (selector, fn) {{
    document.querySelectorAll(selector).forEach(fn);
  }} }};
</script></body></html>"""

# Written for a reader in Kigali (UTC+2): 08:00 UTC.
FRAME_HTML = (
    '<article class="post" id="post-p1"><header><a href="#">#2 · '
    '<time datetime="2026-03-10T10:00+0200">10 Mar 2026, 10:00</time></a></header>'
    "<p>Live</p></article>"
)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("Asia/Tokyo", "10 Mar 2026, 17:00"),
        ("Africa/Kigali", "10 Mar 2026, 10:00"),
        ("America/Lima", "10 Mar 2026, 03:00"),
        ("Pacific/Kiritimati", "10 Mar 2026, 22:00"),
        ("Pacific/Honolulu", "9 Mar 2026, 22:00"),  # the day before
    ],
)
def test_a_live_post_shows_its_time_in_the_pages_zone(browser, zone, shown):
    page = browser.new_page()
    try:
        page.set_content(PAGE.format(zone=zone))
        page.add_script_tag(content=SCRIPT.read_text())
        page.evaluate(
            """(html) => window.sockets[0].onmessage({data: JSON.stringify({
                type: "post.created", post: "p1", number: 2, page: 1, html: html})})""",
            FRAME_HTML,
        )
        assert page.locator("#post-p1 time").inner_text() == shown
    finally:
        page.close()

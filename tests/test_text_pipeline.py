"""The one text pipeline against hostile input."""

from html.parser import HTMLParser

import pytest

from community.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render, render_plain

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="http://x" onclick="alert(1)">x</a>',
    "<iframe src=//evil></iframe>",
    "<svg/onload=alert(1)>",
    "<style>body{display:none}</style>",
    '<div style="position:fixed">x</div>',
    "![img](http://tracker.example/pixel.png)",
    "<!-- <script>alert(1)</script> -->",
    "`<script>` in code",
    "<form action=//evil><input name=password></form>",
]


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def _tags(html: str):
    parser = _Collect()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_leaves_no_active_markup(source):
    """Whatever the input, only allow-listed tags and attributes and safe URLs remain
    (escaped text such as ``&lt;img onerror&gt;`` is harmless and may stay)."""
    for tag, attrs in _tags(render(source)):
        assert tag in ALLOWED_TAGS, (source, tag)
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, []), (source, tag, name)
            if name == "href":
                assert value.split(":", 1)[0].lower() in {"http", "https", "mailto"}, (
                    value
                )


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_in_chat_leaves_only_links_and_breaks(source):
    for tag, attrs in _tags(render_plain(source)):
        assert tag in {"a", "br"}, (source, tag)
        for name, _value in attrs:
            assert name in {"href", "rel"}, (source, name)


def test_markdown_structure_survives():
    html = render("Hello *world* and **you**\n\n- one\n- two\n\n> quoted\n\n`code`")
    assert "<em>world</em>" in html
    assert "<strong>you</strong>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<blockquote>" in html
    assert "<code>code</code>" in html


def test_headings_start_at_h3_because_the_page_owns_h1_and_h2():
    html = render("# Big\n\n## Less\n\n#### Small")
    assert "<h3>Big</h3>" in html
    assert "<h4>Less</h4>" in html
    assert "<h6>Small</h6>" in html
    assert "<h1" not in html and "<h2" not in html


def test_tables_are_kept():
    html = render("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "<td>1</td>" in html


def test_links_get_nofollow_ugc_noopener():
    html = render("[guide](https://example.org/guide)")
    assert 'href="https://example.org/guide"' in html
    assert 'rel="nofollow ugc noopener"' in html


def test_bare_urls_become_safe_links():
    html = render("see https://example.org/x please")
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in html


def test_raw_html_is_escaped_not_rendered():
    html = render("<b>bold</b>")
    assert "<b>" not in html
    assert "&lt;b&gt;" in html or "bold" in html


def test_plain_rendering_escapes_and_links():
    html = render_plain("<b>hi</b> https://example.org\nnext")
    assert "<b>" not in html
    assert 'rel="nofollow ugc noopener"' in html
    assert "<br>" in html


def test_empty_source_renders_empty():
    assert render("") == ""
    assert render_plain("") == ""

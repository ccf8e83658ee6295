"""Page weight: what a phone downloads for one page, compressed, HTML + CSS + JS.

The HTML is weighed as Django's ``GZipMiddleware`` sends it; every stylesheet and
script the page links is read through the staticfiles finders and gzipped at level 9,
as whitenoise pre-compresses it. Reuse ``page_weight`` for any page with a budget.
"""

import gzip
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.conf import settings
from django.contrib.staticfiles import finders

KB = 1024


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and values.get("href"):
            self.urls.append(values["href"])
        elif tag == "script" and values.get("src"):
            self.urls.append(values["src"])


def linked_assets(html: str) -> list[str]:
    """URLs of the stylesheets and scripts ``html`` makes the browser fetch."""
    parser = _AssetParser()
    parser.feed(html)
    return list(dict.fromkeys(parser.urls))


def static_bytes(url: str) -> bytes:
    path = url.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith(settings.STATIC_URL):
        raise AssertionError(f"{url} is not served from STATIC_URL: it escapes budgets")
    found = finders.find(path.removeprefix(settings.STATIC_URL))
    if not found:
        raise AssertionError(f"{url} is linked but no staticfiles finder has it")
    with open(found, "rb") as handle:
        return handle.read()


@dataclass
class PageWeight:
    path: str
    parts: dict[str, int] = field(default_factory=dict)  # url -> compressed bytes

    @property
    def total(self) -> int:
        return sum(self.parts.values())

    def __str__(self) -> str:
        lines = [f"{self.path}: {self.total / KB:.1f} KB compressed"]
        lines += [f"  {size:>7,} B  {url}" for url, size in self.parts.items()]
        return "\n".join(lines)


def page_weight(client, path: str) -> PageWeight:
    response = client.get(path, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200, (path, response.status_code)
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        html = gzip.decompress(body).decode()
        compressed = len(body)
    else:
        html = body.decode()
        compressed = len(gzip.compress(body, compresslevel=6, mtime=0))
    weight = PageWeight(path, {path: compressed})
    for url in linked_assets(html):
        weight.parts[url] = len(
            gzip.compress(static_bytes(url), compresslevel=9, mtime=0)
        )
    return weight

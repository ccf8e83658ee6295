"""With DEBUG on, uploaded media is served for development, except documents: a
restricted document is reachable only through Wagtail's serve view."""

import importlib

import pytest
from django.urls import clear_url_caches


@pytest.fixture
def debug_urls(settings, tmp_path):
    import cop_site.urls

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "draft-policy.pdf").write_bytes(b"%PDF secret")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "logo.txt").write_bytes(b"public")
    importlib.reload(cop_site.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(cop_site.urls)
    clear_url_caches()


def test_debug_media_never_serves_documents(client, debug_urls, db):
    assert client.get("/media/images/logo.txt").status_code == 200
    response = client.get("/media/documents/draft-policy.pdf")
    assert response.status_code == 404
    assert b"secret" not in b"".join(getattr(response, "streaming_content", [b""]))

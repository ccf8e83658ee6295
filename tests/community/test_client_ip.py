"""One rule for a client's address, the one allauth's sign-in limits use: behind the
site's own proxies (``TRUSTED_PROXY_COUNT``) the ``X-Forwarded-For`` entry the nearest
one wrote, never one a client wrote itself; otherwise ``REMOTE_ADDR``."""

from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from community.adapters import client_ip
from tests.test_wheel import PLUGINS

ROOT = Path(__file__).resolve().parents[2]


def request(remote: str = "127.0.0.1", forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_the_header_is_ignored():
    assert client_ip(request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        # A client that writes the header itself is only prepended to: nginx appends
        # the address it saw, and that is the one counted.
        ("10.0.0.1, 203.0.113.9", "203.0.113.9"),
        ("1.2.3.4, 5.6.7.8, 203.0.113.9", "203.0.113.9"),
    ],
)
def test_behind_nginx_the_address_nginx_saw_counts(forwarded, expected):
    assert client_ip(request("127.0.0.1", forwarded)) == expected


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_a_request_straight_to_a_worker_counts_its_own_address():
    assert client_ip(request("127.0.0.1")) == "127.0.0.1"


def test_no_plugin_reads_the_address_any_other_way():
    """REMOTE_ADDR read directly is the proxy's address for every member behind nginx:
    one rate-limit bucket for the whole country."""
    readers = [
        str(path.relative_to(ROOT))
        for app in sorted(PLUGINS)
        for path in (ROOT / app).rglob("*.py")
        if "REMOTE_ADDR" in path.read_text().replace("``REMOTE_ADDR``", "")
    ]
    assert readers == []

"""The scaled set-up's split (README, "Settings and the scaled set-up"): gunicorn's sync
workers serve HTTP (``cop_site.wsgi``) and daphne the websockets. A reply a member
posts through gunicorn reaches a reader's socket on daphne, and each server refuses
what it should (no websocket on the HTTP server)."""

import json
import os
import re
import urllib.parse
import urllib.request

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from websockets.sync.client import connect

from forums import services
from tests.servers import GUNICORN, Server

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason="needs REDIS_URL and a shared database (CI's second pass)",
    ),
    pytest.mark.django_db(transaction=True),
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _session(user) -> str:
    client = DjangoClient()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_a_reply_posted_to_gunicorn_reaches_a_socket_on_daphne(
    practitioner, peer, spaces
):
    thread = services.thread_create(
        space=spaces.public, author=practitioner, title="Split", body="first"
    )
    reader, writer = _session(practitioner), _session(peer)
    http, sockets = Server(command=GUNICORN), Server()
    try:
        url = f"ws://127.0.0.1:{sockets.port}/ws/forums/threads/{thread.ref}/"
        origin = f"http://127.0.0.1:{sockets.port}"
        headers = {"Cookie": f"sessionid={reader}", "Origin": origin}
        with connect(url, additional_headers=headers, open_timeout=10) as socket:
            base = f"http://127.0.0.1:{http.port}"
            page = urllib.request.Request(
                f"{base}{thread.get_absolute_url()}",
                headers={"Cookie": f"sessionid={writer}"},
            )
            with urllib.request.urlopen(page, timeout=10) as response:
                assert response.status == 200
                html = response.read().decode()
                csrf_cookie = re.search(
                    r"csrftoken=([^;]+)", response.headers.get("Set-Cookie", "")
                )
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            assert token, "the reply form is on the page gunicorn served"
            cookies = f"sessionid={writer}"
            if csrf_cookie:
                cookies += f"; csrftoken={csrf_cookie.group(1)}"
            reply = urllib.request.Request(
                f"{base}{thread.get_absolute_url()}reply/",
                data=urllib.parse.urlencode(
                    {"csrfmiddlewaretoken": token.group(1), "body": "Over the split"}
                ).encode(),
                headers={"Cookie": cookies, "Referer": f"{base}/"},
            )
            opener = urllib.request.build_opener(_NoRedirect)
            try:
                opener.open(reply, timeout=10)
                raise AssertionError("the reply should redirect to the thread")
            except urllib.error.HTTPError as redirect:
                assert redirect.code == 302, redirect.read().decode()[:500]
            frames = []
            while True:
                frame = json.loads(socket.recv(timeout=10))
                frames.append(frame["type"])
                if frame["type"] == "post.created":
                    break
            assert "Over the split" in frame["html"]
            assert frame["thread"] == thread.ref
        # The HTTP server is not where sockets go.
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            connect(
                f"ws://127.0.0.1:{http.port}/ws/forums/threads/{thread.ref}/",
                additional_headers=headers,
                open_timeout=5,
            )
    finally:
        http.stop()
        sockets.stop()

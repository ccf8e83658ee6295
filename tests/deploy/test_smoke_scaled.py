"""The scaled set-up as ``deploy/`` installs it, end to end through nginx.

nginx in front of gunicorn's HTTP workers, two daphne websocket workers and the task
worker, on PostgreSQL and Redis with the production settings (``tests.deploy.topology``
reads the commands from the systemd units). Through the proxy a member signs in,
posts a reply that both websocket workers carry to a reader, registers for an event
and receives its reminder from the task worker at a local SMTP server, downloads a
public document and is refused a restricted one. Runs in CI's PostgreSQL pass and as
``make smoke-scaled``.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import functools
import http.client
import json
import os
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from email.header import decode_header, make_header

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.deploy.topology import (
    Topology,
    established_to,
    free_port,
    maintenance_flag,
)
from tests.prometheus import sample

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason="the scaled set-up needs PostgreSQL and Redis (CI's second pass)",
    ),
    # It serves the site as migrations made it (root page, site, collections), which
    # an earlier transactional test on the same worker may have emptied: restored.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a long pass phrase for the smoke test"
PUBLIC_TEXT = b"Partograph checklist, version 3.\n"
SECRET_TEXT = b"Draft audit of the maternity ward, not for circulation.\n"


class _Keep(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _From(urllib.request.HTTPHandler):
    """Connections from a chosen loopback address: another machine, to the proxy."""

    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def http_open(self, request):
        connection = functools.partial(
            http.client.HTTPConnection, source_address=(self.source, 0)
        )
        return self.do_open(connection, request)


class Visitor:
    """A browser without JavaScript, through the proxy: keeps its cookies (the proxy
    says the connection is TLS, so they come marked Secure) and sends the Origin and
    Referer a browser on https://127.0.0.1 would. ``source`` is the address it comes
    from (any of 127.0.0.0/8)."""

    def __init__(self, port: int, source: str = "127.0.0.1"):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_Keep, _From(source))

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, path: str, data: dict | bytes | None = None, headers=None):
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={
                "Cookie": self.cookie_header(),
                "Origin": "https://127.0.0.1",
                "Referer": f"https://127.0.0.1{path}",
                **(headers or {}),
            },
        )
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, response.read()

    def form_token(self, path: str) -> str:
        status, _, body = self.request(path)
        assert status == 200, (path, status)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert found, f"no form on {path}"
        return found.group(1).decode()

    def metrics(self, token: str) -> str:
        status, _, body = self.request(
            "/metrics", headers={"Authorization": f"Bearer {token}"}
        )
        assert status == 200, body[:500]
        return body.decode()

    def post(self, path: str, form: str, fields: dict):
        return self.request(
            path, {"csrfmiddlewaretoken": self.form_token(form), **fields}
        )


@pytest.fixture
def smtp_sink():
    """A local SMTP server (aiosmtpd) that keeps what it is sent."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages: list[email.message.EmailMessage] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
            return "250 OK"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, handler.messages
    controller.stop()


@pytest.fixture
def site(tmp_path, settings):
    """A member, a public space with a thread, and a public and a restricted
    document, committed where the servers will read them."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from wagtail.documents import get_document_model

    from community.models import Role
    from forums import services as forums
    from forums.models import Visibility
    from library.services import library_collections
    from tests.factories import DistrictFactory, FacilityFactory, UserFactory, member

    settings.MEDIA_ROOT = tmp_path / "media"
    # The site's key (its opaque thread and post references derive from it), shared
    # with the servers.
    settings.SECRET_KEY = secrets.token_urlsafe(64)
    facility = FacilityFactory(parent=DistrictFactory())
    nurse = member(Role.PRACTITIONER, facility, email="nurse@smoke.example")
    # The production settings hash with PBKDF2 (the tests' fast hasher is not theirs).
    hasher = PBKDF2PasswordHasher()
    nurse.password = hasher.encode(PASSWORD, hasher.salt())
    nurse.save(update_fields=["password"])
    space = forums.space_create(
        name="Labour ward", slug="labour-ward", visibility=Visibility.PUBLIC
    )
    thread = forums.thread_create(
        space=space, author=nurse, title="Night shifts", body="How do you hand over?"
    )
    public, restricted = library_collections()
    Document = get_document_model()
    documents = {
        "public": Document.objects.create(
            title="Partograph checklist",
            file=ContentFile(PUBLIC_TEXT, name="partograph.txt"),
            collection=public,
        ),
        "restricted": Document.objects.create(
            title="Ward audit draft",
            file=ContentFile(SECRET_TEXT, name="ward-audit.txt"),
            collection=restricted,
        ),
    }
    organiser = UserFactory(is_superuser=True, is_staff=True)
    return {
        "nurse": nurse,
        "thread": thread,
        "documents": documents,
        "district": facility.parent,
        "organiser": organiser,
        "media": settings.MEDIA_ROOT,
        "secret_key": settings.SECRET_KEY,
    }


def _receive(socket, kind: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame.get("type") == kind:
            return frame


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_the_scaled_set_up_serves_a_member_end_to_end(site, smtp_sink, tmp_path):
    from django.core.cache import cache
    from websockets.sync.client import connect

    from events import services as events
    from events.models import EventKind, Visibility
    from tests.servers import database_url

    smtp_port, mailbox = smtp_sink
    cache.clear()  # this worker's Redis database: nothing kept from an earlier run
    topology = Topology(
        tmp_path / "topology",
        database_url=database_url(),
        redis_url=settings.CACHES["default"]["LOCATION"],
        smtp_port=smtp_port,
        media=site["media"],
        secret_key=site["secret_key"],
    )
    topology.start()
    try:
        visitor = Visitor(topology.port)

        # The proxy's health check and its static files.
        status, headers, body = visitor.request("/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok", body
        # nginx's $request_id reached the application, which logs it and returns it.
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
        status, _, home = visitor.request("/")
        assert status == 200, home[:500]
        # Static files from disk: names with the manifest's content hash for a year,
        # the others for a day.
        manifest = json.loads((topology.static / "staticfiles.json").read_text())
        original, hashed = next(
            (name, stored)
            for name, stored in manifest["paths"].items()
            if name.endswith(".css")
        )
        status, headers, body = visitor.request(f"/static/{hashed}")
        assert status == 200 and body == (topology.static / hashed).read_bytes()
        assert headers.get_all("Cache-Control") == [
            "public, max-age=31536000, immutable"
        ]
        status, headers, _ = visitor.request(f"/static/{original}")
        assert status == 200 and "max-age=86400" in headers["Cache-Control"]

        # An upgrade's maintenance switch (README, "Upgrading"): pages and sockets get
        # the maintenance page with 503 and Retry-After, the health check still
        # answers; switched off, the site is back at once.
        from websockets.exceptions import InvalidStatus

        flag = maintenance_flag(site["media"])
        flag.touch()
        try:
            status, headers, body = visitor.request("/forums/")
            assert status == 503 and b"is being upgraded" in body
            assert headers["Retry-After"] == "120"
            assert headers["Cache-Control"] == "no-store"
            assert visitor.request("/healthz")[0] == 200
            with pytest.raises(InvalidStatus) as refused:
                connect(f"ws://127.0.0.1:{topology.port}/ws/forums/", open_timeout=15)
            assert refused.value.response.status_code == 503
        finally:
            flag.unlink()
        assert visitor.request("/forums/")[0] == 200

        # Someone elsewhere fails to sign in until the limit refuses them: it counts
        # the address nginx saw, not the proxy's own, so nobody else is locked out.
        guesser = Visitor(topology.port, source="127.0.0.2")
        token = guesser.form_token("/accounts/login/")
        answers = [
            guesser.request(
                "/accounts/login/",
                {
                    "csrfmiddlewaretoken": token,
                    "login": f"guess{n}@smoke.example",
                    "password": "wrong",
                },
            )
            for n in range(11)
        ]
        refused = [b"Too many failed login attempts" in body for _, _, body in answers]
        assert refused == [False] * 10 + [True]
        assert {status for status, _, _ in answers} == {200}

        # Sign in through the real form.
        status, headers, body = visitor.post(
            "/accounts/login/",
            "/accounts/login/",
            {"login": "nurse@smoke.example", "password": PASSWORD},
        )
        assert status == 302, body[:2000]
        assert "sessionid" in visitor.cookies

        # Two readers' sockets through the proxy land one on each websocket worker;
        # a reply posted over HTTP reaches both.
        thread = site["thread"]
        url = f"ws://127.0.0.1:{topology.port}/ws/forums/threads/{thread.ref}/"
        headers = {"Cookie": visitor.cookie_header(), "Origin": "https://127.0.0.1"}
        with (
            connect(url, additional_headers=headers, open_timeout=15) as first,
            connect(url, additional_headers=headers, open_timeout=15) as second,
        ):
            assert [established_to(port) for port in topology.ws_ports] == [1, 1], (
                "nginx spreads the sockets over both workers"
            )
            # The metrics, scraped through nginx from an HTTP worker, add up every
            # process's: one socket on each websocket worker.
            metrics = visitor.metrics(topology.metrics_token)
            for process in ("ws1", "ws2"):
                pid = str(topology.processes[process].pid)
                assert sample(metrics, "cop_websockets_open", pid=pid) == 1, metrics
            status, _, body = visitor.post(
                f"{thread.get_absolute_url()}reply/",
                thread.get_absolute_url(),
                {"body": "We hand over at the bedside, with the partograph."},
            )
            assert status == 302, body[:2000]
            for socket in (first, second):
                frame = _receive(socket, "post.created")
                assert "at the bedside" in frame["html"]

        # An event starting in an hour: the task worker sends the one-hour reminder
        # when it falls due, a few seconds after the registration. (A reminder whose
        # time has passed at registration is not queued: the form is ready first.)
        token = visitor.form_token(thread.get_absolute_url())
        starts = timezone.now().replace(microsecond=0) + datetime.timedelta(
            minutes=60, seconds=8
        )
        event = events.event_create(
            by=site["organiser"],
            organiser=site["district"],
            kind=EventKind.COLLABORATIVE,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            check_permission=False,
            title="Bedside handover clinic",
            timezone="Africa/Kigali",
            visibility=Visibility.MEMBERS,
            place="District office",
        )
        status, _, body = visitor.request(
            f"/events/{event.pk}/register/", {"csrfmiddlewaretoken": token}
        )
        assert status == 302, body[:2000]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            reminders = [m for m in mailbox if "Starting soon" in _subject(m)]
            if reminders:
                break
            time.sleep(0.5)
        assert reminders, "no reminder from the task worker\n" + topology.log("tasks")
        (reminder,) = reminders
        assert reminder["To"] == "nurse@smoke.example"
        assert "Bedside handover clinic" in _subject(reminder)
        text = reminder.get_body(preferencelist=("plain",)).get_content()
        assert f"https://127.0.0.1/events/{event.pk}/" in text

        # Documents: the public one through the application's serve view; the
        # restricted one refused to a member who is not a library editor, and no
        # document file ever straight from the proxy's disk.
        public, restricted = (
            site["documents"]["public"],
            site["documents"]["restricted"],
        )
        status, _, body = visitor.request(public.url)
        assert (status, body) == (200, PUBLIC_TEXT)
        status, _, body = visitor.request(restricted.url)
        assert status == 403 and SECRET_TEXT not in body
        for document in (public, restricted):
            status, _, body = visitor.request(f"/media/{document.file.name}")
            assert status == 404 and body not in (PUBLIC_TEXT, SECRET_TEXT)

        # A websocket worker killed outright: its series leaves the metrics at the
        # next scrape (its sockets are gone), the other worker's stays.
        topology.processes["ws1"].kill()
        topology.processes["ws1"].wait(timeout=10)
        metrics = visitor.metrics(topology.metrics_token)
        assert f'pid="{topology.processes["ws1"].pid}"' not in metrics
        assert f'pid="{topology.processes["ws2"].pid}"' in metrics

        # Every failed sign-in counted, whichever of the four HTTP workers took it;
        # and the reader of the metrics must be an operator.
        metrics = visitor.metrics(topology.metrics_token)
        failed_sign_ins = sample(
            metrics,
            "cop_http_requests_total",
            view="account_login",
            method="POST",
            status="200",
        )
        assert failed_sign_ins == 11, metrics
        assert sample(metrics, "cop_tasks", state="failed") == 0
        assert visitor.request("/metrics")[0] == 404
        assert (
            guesser.request("/metrics", headers={"Authorization": "Bearer x"})[0] == 404
        )

        # Uploads beyond the cap are refused by the proxy before any worker reads them.
        status, _, _ = visitor.request(
            "/accounts/login/",
            b"x" * (13 * 1024 * 1024),
            {"Content-Type": "text/plain"},
        )
        assert status == 413
    except BaseException:
        print(topology.logs())
        raise
    finally:
        topology.stop()
    # Everything it started has stopped.
    assert all(process.poll() is not None for process in topology.processes.values())

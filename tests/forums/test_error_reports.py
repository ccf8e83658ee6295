"""An error report (Sentry-compatible, when SENTRY_DSN is set) says what failed and
nothing of who: a safe-space post that fails on the server reports the exception, not
its author, their address, their words or their session."""

import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from community import observability
from forums import services

pytestmark = pytest.mark.django_db


class Kept(Transport):
    sent: list = []

    def capture_envelope(self, envelope):
        Kept.sent.append(envelope)


def _fail(**kwargs):
    # Apart from the test's data: a report shows the code around the failing line.
    raise RuntimeError("the thread could not be stored")


@pytest.fixture
def reports():
    Kept.sent = []
    observability.init_sentry("http://public@127.0.0.1:9/1", transport=Kept)
    yield Kept.sent
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reporting off again


def test_a_failed_anonymous_post_reports_nobody(
    client, practitioner, spaces, reports, monkeypatch
):
    from community import services as community_services

    community_services.profile_update(user=practitioner, display_name="Amina Uwase")
    monkeypatch.setattr(services, "thread_create", _fail)
    client.raise_request_exception = False
    client.force_login(practitioner)
    response = client.post(
        f"/forums/s/{spaces.safe.slug}/new/",
        {
            "title": "We lost a baby on the night shift",
            "body": "Nobody answered the phone in theatre.",
            "kind": "discussion",
            "anonymous": "on",
        },
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 9; Tecno)",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    events = [
        item.payload.json
        for env in reports
        for item in env.items
        if item.type == "event"
    ]
    (event,) = events
    text = json.dumps(event, default=str)
    assert "the thread could not be stored" in text  # what failed is reported
    assert "user" not in event
    for secret in (
        practitioner.email,
        practitioner.username,
        "Amina Uwase",
        "203.0.113.77",
        "198.51.100.4",
        "Tecno",
        "night shift",
        "theatre",
        client.cookies["sessionid"].value,
    ):
        assert secret not in text, secret
    assert "vars" not in text  # no local variables in the stack trace

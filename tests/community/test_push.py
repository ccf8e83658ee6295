"""Notifications on phones (``community.push``): who may subscribe and where to,
the choices and quiet hours, and what happens when a push service forgets a
browser. What a payload says is tested with the plugins that send one
(``tests/forums/test_push_payloads.py``)."""

import datetime
import json
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from community import push
from community.models import Profile, PushSubscription
from tests.push_service import Browser, PushService, b64url

pytestmark = pytest.mark.django_db

GOOD = "https://fcm.googleapis.com/fcm/send/abc123"


@pytest.fixture
def service(settings):
    settings.COMMUNITY = {**settings.COMMUNITY, "PUSH_ALLOW_LOCAL_ENDPOINTS": True}
    service = PushService()
    yield service
    service.stop()


def subscribe(client, endpoint: str, browser: Browser | None = None):
    browser = browser or Browser()
    return client.post(
        reverse("community:push_on"),
        json.dumps(
            {"endpoint": endpoint, "keys": {"p256dh": browser.p256dh, "auth": "x" * 22}}
        ),
        content_type="application/json",
    )


def test_a_member_turns_a_browser_on_and_off(client, practitioner, coach):
    client.force_login(practitioner)
    assert subscribe(client, GOOD).json() == {"ok": True}
    assert PushSubscription.objects.get(endpoint=GOOD).user == practitioner
    # Another member cannot turn off someone else's browser.
    client.force_login(coach)
    client.post(
        reverse("community:push_off"),
        json.dumps({"endpoint": GOOD}),
        content_type="application/json",
    )
    assert PushSubscription.objects.filter(endpoint=GOOD).exists()
    client.force_login(practitioner)
    client.post(
        reverse("community:push_off"),
        json.dumps({"endpoint": GOOD}),
        content_type="application/json",
    )
    assert not PushSubscription.objects.exists()


def test_a_visitor_cannot_subscribe(client):
    response = subscribe(client, GOOD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.org/abc",  # not HTTPS
        "https://127.0.0.1/abc",
        "https://10.0.0.5/abc",
        "https://192.168.1.20:8443/abc",
        "https://[::1]/abc",
        "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://localhost/abc",
        "https://redis.internal/abc",
        "ftp://push.example.org/abc",
        "",
        "not a url",
    ],
)
def test_the_worker_is_never_pointed_inside_the_network(client, practitioner, endpoint):
    client.force_login(practitioner)
    response = subscribe(client, endpoint)
    assert response.status_code == 400
    assert response.json()["message"]
    assert not PushSubscription.objects.exists()


def test_malformed_calls_are_refused_clearly(client, practitioner):
    client.force_login(practitioner)
    for body in ("not json", "[1, 2]", json.dumps({"endpoint": GOOD, "keys": "x"})):
        response = client.post(
            reverse("community:push_on"), body, content_type="application/json"
        )
        assert response.status_code == 400, body
    assert not PushSubscription.objects.exists()


def test_one_member_may_turn_on_only_so_many_browsers(client, practitioner, settings):
    settings.COMMUNITY = {**settings.COMMUNITY, "PUSH_MAX_SUBSCRIPTIONS": 2}
    client.force_login(practitioner)
    for n in range(2):
        assert subscribe(client, f"{GOOD}-{n}").status_code == 200
    assert subscribe(client, f"{GOOD}-0").status_code == 200  # the same one again
    assert subscribe(client, f"{GOOD}-3").status_code == 400
    assert PushSubscription.objects.filter(user=practitioner).count() == 2


def test_the_page_saves_the_kinds_and_quiet_hours_and_keeps_a_mistake(
    client, practitioner
):
    client.force_login(practitioner)
    url = reverse("community:push")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Notifications sur votre téléphone" in page
    assert 'data-key="' in page and "<noscript>" in page
    # Every installed plugin's kinds are offered.
    for kind in ("reply", "mention", "answer", "event_starting", "need_answered"):
        assert f'value="{kind}"' in page
    half = client.post(url, {"kinds": ["reply"], "quiet_from": "21:30"})
    assert half.status_code == 200
    assert "both times" in half.content.decode()
    assert 'value="21:30"' in half.content.decode()  # what was typed comes back
    saved = client.post(
        url,
        {"kinds": ["reply", "mention"], "quiet_from": "21:30", "quiet_until": "06:00"},
    )
    assert saved.status_code == 302
    profile = Profile.objects.get(user=practitioner)
    assert profile.push_kinds == ["reply", "mention"]
    assert profile.quiet_from == datetime.time(21, 30)
    assert profile.quiet_until == datetime.time(6, 0)


def test_the_page_says_so_when_the_site_has_no_key(client, practitioner, settings):
    settings.COMMUNITY = {**settings.COMMUNITY, "PUSH_VAPID_PRIVATE_KEY": ""}
    client.force_login(practitioner)
    page = client.get(reverse("community:push")).content.decode()
    assert "has not set up notifications" in page
    assert "data-push " not in page


@pytest.mark.parametrize(
    ("start", "end", "now", "ends"),
    [
        ("22:00", "06:00", "23:30", "2026-12-06 06:00"),  # across midnight, before it
        ("22:00", "06:00", "02:00", "2026-12-05 06:00"),  # across midnight, after it
        ("22:00", "06:00", "06:00", None),  # the end is not quiet
        ("22:00", "06:00", "12:00", None),
        ("12:00", "14:00", "13:00", "2026-12-05 14:00"),  # within one day
        ("12:00", "14:00", "14:30", None),
    ],
)
def test_quiet_hours_in_the_members_zone(practitioner, start, end, now, ends):
    zone = zoneinfo.ZoneInfo("Africa/Nairobi")
    profile, _ = Profile.objects.get_or_create(user=practitioner)
    profile.timezone = "Africa/Nairobi"
    profile.quiet_from = datetime.time.fromisoformat(start)
    profile.quiet_until = datetime.time.fromisoformat(end)
    profile.save()
    profile.user.refresh_from_db()
    moment = datetime.datetime.fromisoformat(f"2026-12-05 {now}").replace(tzinfo=zone)
    got = push.quiet_end(profile, moment.astimezone(datetime.UTC))
    if ends is None:
        assert got is None
    else:
        assert got == datetime.datetime.fromisoformat(ends).replace(tzinfo=zone)


def test_a_browser_the_service_forgot_is_forgotten_here(
    service, practitioner, django_capture_on_commit_callbacks
):
    browser = Browser()
    PushSubscription.objects.create(
        user=practitioner,
        endpoint=f"{service.url}/gone/1",
        p256dh=browser.p256dh,
        auth=b64url(browser.auth),
    )
    kept = PushSubscription.objects.create(
        user=practitioner,
        endpoint=f"{service.url}/ok/1",
        p256dh=browser.p256dh,
        auth=b64url(browser.auth),
    )
    Profile.objects.update_or_create(
        user=practitioner, defaults={"push_kinds": ["test"]}
    )
    push.register(
        "test", "a test", lambda ref, user: {"title": "T", "body": "", "url": "/"}
    )
    try:
        assert push.deliver.call(practitioner.pk, "test", 1) == 1
    finally:
        push.KINDS.pop("test")
    assert list(PushSubscription.objects.all()) == [kept]
    assert kept.__class__.objects.get(pk=kept.pk).last_sent_at <= timezone.now()
    assert len(service.received) == 2


def test_signing_out_turns_off_the_browser_this_session_turned_on(client, practitioner):
    """A shared phone: the next person to pick it up gets none of her notifications."""
    client.force_login(practitioner)
    subscribe(client, GOOD)
    other = PushSubscription.objects.create(
        user=practitioner, endpoint=f"{GOOD}-laptop", p256dh="k", auth="a"
    )
    client.post(reverse("account_logout"))
    assert list(PushSubscription.objects.all()) == [other]  # her laptop stays on

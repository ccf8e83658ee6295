"""``/metrics``: Prometheus's text format, for operators only, with requests by view
(never by path), open websockets, and the work waiting in the database."""

import datetime
import os

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from community import metrics
from tests.prometheus import sample

pytestmark = pytest.mark.django_db

TOKEN = "a-scraper-token-of-some-length"


def with_token(token: str = TOKEN):
    return override_settings(COMMUNITY={**settings.COMMUNITY, "METRICS_TOKEN": token})


def scrape(client) -> str:
    with with_token():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


@pytest.mark.parametrize(
    "who", ["anonymous", "practitioner", "moderator", "national_team", "editor"]
)
def test_only_operators_read_it(client, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    with with_token():
        assert client.get("/metrics").status_code == 404
        for header in ("Bearer wrong", f"Bearer {TOKEN}x", TOKEN, "Basic " + TOKEN):
            assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 404


def test_a_scraper_with_the_token_and_a_superuser_may(client, superuser):
    with with_token():
        ok = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert ok.status_code == 200
        assert ok["Cache-Control"].startswith("max-age=0")
    client.force_login(superuser)
    assert client.get("/metrics").status_code == 200


def test_without_a_token_set_no_header_opens_it(client):
    with with_token(""):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer").status_code == 404


def test_requests_are_counted_by_view_and_status_never_by_path(client):
    before = scrape(client)
    for _ in range(3):
        client.get("/healthz")
    client.get("/forums/s/not-a-space/")
    client.get("/no-such-page-at-all/")
    after = scrape(client)

    def delta(**labels):
        name = "cop_http_requests_total"
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta(view="healthz", method="GET", status="200") == 3
    assert delta(view="forums:space", method="GET", status="404") == 1
    assert sample(after, "cop_http_request_duration_seconds_count", view="healthz") >= 3
    assert "not-a-space" not in after and "no-such-page" not in after


async def test_open_websockets_are_counted_while_open():
    class Accepting(AsyncWebsocketConsumer):
        async def connect(self):
            await self.accept()

    class Refusing(AsyncWebsocketConsumer):
        async def connect(self):
            await self.close()

    start = metrics.WEBSOCKETS._value.get()
    first = WebsocketCommunicator(metrics.count_websockets(Accepting.as_asgi()), "/ws/")
    second = WebsocketCommunicator(
        metrics.count_websockets(Accepting.as_asgi()), "/ws/"
    )
    refused = WebsocketCommunicator(
        metrics.count_websockets(Refusing.as_asgi()), "/ws/"
    )
    assert (await first.connect())[0] and (await second.connect())[0]
    assert metrics.WEBSOCKETS._value.get() == start + 2
    assert not (await refused.connect())[0]
    assert metrics.WEBSOCKETS._value.get() == start + 2
    await first.disconnect()
    await second.disconnect()
    assert metrics.WEBSOCKETS._value.get() == start


def test_work_waiting_is_read_from_the_database(client):
    from django_tasks_db.models import DBTaskResult

    from connect.models import ExternalFeed, FeedStatus

    now = timezone.now()

    def task(status, minutes):
        return DBTaskResult(
            status=status,
            run_after=now + datetime.timedelta(minutes=minutes),
            args_kwargs={"args": [], "kwargs": {}},
            task_path="events.tasks.send_reminder",
            queue_name="default",
            backend_name="default",
            priority=0,
        )

    DBTaskResult.objects.bulk_create(
        [task("READY", -1), task("READY", -2), task("READY", 60)]
        + [task("RUNNING", -5), task("FAILED", -9)]
    )
    ExternalFeed.objects.create(
        name="Partner", url="https://partner.example/feed", status=FeedStatus.ERROR
    )
    ExternalFeed.objects.create(name="Fine", url="https://fine.example/feed")
    text = scrape(client)
    assert sample(text, "cop_tasks", state="due") == 2
    assert sample(text, "cop_tasks", state="scheduled") == 1
    assert sample(text, "cop_tasks", state="running") == 1
    assert sample(text, "cop_tasks", state="failed") == 1
    assert sample(text, "cop_feeds_failing") == 1


def test_scraping_costs_the_same_whatever_is_waiting(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        scrape(client)


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's pass)"
)
def test_messages_waiting_in_the_redis_channel_layer_are_counted(client):
    """A worker that stopped reading leaves its messages queued: the scrape shows it."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    prefix = f"cop-metrics-{os.getpid()}-"
    # This worker's own Redis database (another worker's cache.clear() would empty a
    # shared one under the test), with a prefix of the test's own.
    own = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"]
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [own], "prefix": prefix},
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        layer = get_channel_layer()
        assert (
            sample(scrape(client), "cop_channel_layer_messages", queue="workers") == 0
        )
        for n in range(3):
            async_to_sync(layer.send)("specific.gone!x", {"type": "chat", "n": n})
        async_to_sync(layer.group_add)("thread-1", "specific.gone!x")
        text = scrape(client)
        assert sample(text, "cop_channel_layer_messages", queue="workers") == 3
        assert sample(text, "cop_channel_layer_messages", queue="other") == 0
        async_to_sync(layer.flush)()
        assert (
            sample(scrape(client), "cop_channel_layer_messages", queue="workers") == 0
        )


def test_no_channel_layer_figure_for_the_in_memory_layer(client):
    memory = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    with override_settings(CHANNEL_LAYERS=memory):
        assert "cop_channel_layer_messages" not in scrape(client)

"""What the site is doing, for operators: ``/metrics`` in Prometheus's text format
(``prometheus_client``, the exporter library Prometheus itself publishes).

- **Requests** by view and status, and their latency as a histogram
  (``metrics_middleware``). The label is the URL pattern's name, never the path: a
  path would name threads and members, and multiply without bound.
- **Open websockets** per worker process (``count_websockets`` around the ASGI
  websocket router).
- **Work waiting**, read when scraped: tasks due, scheduled, running and failed
  (``django-tasks-db``), feeds whose last fetch failed (the ``connect`` plugin, when
  installed), and messages waiting in the Redis channel layer's queues.

Several processes (gunicorn's workers, the daphne workers) each count their own. With
``PROMETHEUS_MULTIPROC_DIR`` set (the HTTP and websocket units of ``deploy/systemd``
set it) they write to files in that folder and any worker's ``/metrics`` adds them up,
prometheus_client's multiprocess mode; without it (``make run``, one process) the
process's own figures.

Only operators read it: a signed-in superuser, or a scraper that sends
``Authorization: Bearer <COMMUNITY["METRICS_TOKEN"]>``. Anyone else gets a 404.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from pathlib import Path

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .conf import setting
from .permissions import is_active_superuser

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "cop_http_requests",
    "HTTP requests answered, by URL pattern name, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "cop_http_request_duration_seconds",
    "Time to answer an HTTP request in the application, by URL pattern name.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WEBSOCKETS = Gauge(
    "cop_websockets_open",
    "Websockets open on this worker process.",
    multiprocess_mode="liveall",  # one series per live process (label ``pid``)
)


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or getattr(match.func, "__name__", "view")


def metrics_middleware(get_response):
    """Count and time every request (place it early: the time includes what follows)."""

    def middleware(request):
        started = time.perf_counter()
        response = get_response(request)
        view = _view_name(request)
        method = request.method if request.method in METHODS else "OTHER"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        LATENCY.labels(view).observe(time.perf_counter() - started)
        return response

    return middleware


def count_websockets(application):
    """ASGI middleware: this process's open websockets, whichever consumer holds them."""

    async def counted(scope, receive, send):
        accepted = False

        async def send_counting(message):
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKETS.inc()
            await send(message)

        try:
            return await application(scope, receive, send_counting)
        finally:
            if accepted:
                WEBSOCKETS.dec()

    return counted


class WorkWaiting:
    """Figures read from the database when scraped, once for all processes."""

    def collect(self):
        from django.apps import apps
        from django.db.models import Count, Q

        if apps.is_installed("django_tasks_db"):
            from django_tasks_db.models import DBTaskResult

            now = timezone.now()
            counts = DBTaskResult.objects.aggregate(
                due=Count("pk", filter=Q(status="READY", run_after__lte=now)),
                scheduled=Count("pk", filter=Q(status="READY", run_after__gt=now)),
                running=Count("pk", filter=Q(status="RUNNING")),
                failed=Count("pk", filter=Q(status="FAILED")),
            )
            tasks = GaugeMetricFamily(
                "cop_tasks",
                "Background tasks in the database queue: due now, scheduled for later,"
                " running, and failed (kept until deleted).",
                labels=["state"],
            )
            for state, count in counts.items():
                tasks.add_metric([state], count)
            yield tasks
        if apps.is_installed("connect"):
            from connect.models import ExternalFeed, FeedStatus

            feeds = GaugeMetricFamily(
                "cop_feeds_failing",
                "Partner and global feeds whose last fetch failed.",
            )
            feeds.add_metric(
                [], ExternalFeed.objects.filter(status=FeedStatus.ERROR).count()
            )
            yield feeds
        depth = channel_layer_depth()
        if depth is not None:
            layer = GaugeMetricFamily(
                "cop_channel_layer_messages",
                "Messages waiting in the Redis channel layer's queues for a consumer"
                " to read them: a number that keeps growing means a websocket worker"
                " is too slow or gone.",
                labels=["queue"],
            )
            for queue, count in depth.items():
                layer.add_metric([queue], count)
            yield layer


def channel_layer_depth() -> dict[str, int] | None:
    """Messages waiting per queue kind of the Redis channel layer (``channels_redis``
    keeps each channel's queue as a sorted set named ``<prefix><channel>``; a
    worker's own channels are ``specific.<worker>!…``, so they add up per worker;
    groups are ``<prefix>:group:…`` and hold channel names, not messages). ``None``
    for another layer (the in-memory one has no queue outside its process)."""
    from django.conf import settings

    config = getattr(settings, "CHANNEL_LAYERS", {}).get("default", {})
    if config.get("BACKEND") != "channels_redis.core.RedisChannelLayer":
        return None
    import redis

    options = config.get("CONFIG", {})
    prefix = options.get("prefix", "asgi")
    host = options.get("hosts", ["redis://127.0.0.1:6379/0"])[0]
    address = host["address"] if isinstance(host, dict) else host
    client = redis.Redis.from_url(address, socket_timeout=2)
    waiting = {"workers": 0, "other": 0}
    try:
        keys = [
            key
            for key in client.scan_iter(match=f"{prefix}*", count=1000, _type="zset")
            if not key.startswith(f"{prefix}:group:".encode())
        ]
        with client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zcard(key)
            counts = pipe.execute()
    except redis.RedisError:
        return None
    finally:
        client.close()
    for key, count in zip(keys, counts, strict=True):
        kind = "workers" if key.startswith(f"{prefix}specific.".encode()) else "other"
        waiting[kind] += count
    return waiting


_LIVE_FILE = re.compile(r"^gauge_live\w+_(\d+)\.db$")


def _forget_dead_processes(folder: str) -> None:
    """A worker killed or restarted leaves its live gauges' file behind: its sockets
    are gone, so they must not be counted (prometheus_client's ``mark_process_dead``,
    which gunicorn would call from a hook, for every process that exited)."""
    for path in Path(folder).glob("gauge_live*.db"):
        found = _LIVE_FILE.match(path.name)
        if found and not Path(f"/proc/{found.group(1)}").exists():
            multiprocess.mark_process_dead(int(found.group(1)), folder)


def allowed(request) -> bool:
    if is_active_superuser(getattr(request, "user", None)):
        return True
    token = setting("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(
        header.encode(), f"Bearer {token}".encode()
    )


@never_cache
def metrics(request):
    if not allowed(request):
        raise Http404
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        _forget_dead_processes(folder)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=folder)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    waiting = CollectorRegistry()
    waiting.register(WorkWaiting())
    body += generate_latest(waiting)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)

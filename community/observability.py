"""What an operator sees of a running site: structured logs and error reports.

- **Logs** are one JSON object per line (``python-json-logger``) with the request's id
  (``django-guid``: the ``X-Request-ID`` nginx sets, or a new one, returned on the
  response), so a line in the application's log meets the proxy's. A log line never
  carries the request itself: Django attaches it to its error records, and with it
  the user and the client's address.
- **Error reports** go to a Sentry-compatible service only when ``SENTRY_DSN`` is set
  (``sentry-sdk``). Nothing personal leaves: no user, no address, no cookies, no
  request body or query string, no local variables, no headers beyond a few that
  name nobody. A safe-space post that fails reports its error, not its author.
"""

from __future__ import annotations

import logging

# Headers an error report may keep: none of them names or locates a person.
KEPT_HEADERS = {"accept", "accept-language", "content-length", "content-type", "host"}
KEPT_HEADERS |= {"x-request-id"}


class WithoutRequest(logging.Filter):
    """Drop the ``request`` Django attaches to ``django.request`` records (it carries
    the user and the client's address); keep its method and path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = record.__dict__.pop("request", None)
        if request is not None:
            record.method = getattr(request, "method", "")
            record.path = getattr(request, "path", "")
        return True


def logging_config(level: str = "WARNING", fmt: str = "json") -> dict:
    """The ``LOGGING`` setting: JSON lines on standard error (``fmt="text"``: plain
    lines, for a terminal), each with the request id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "django_guid.log_filters.CorrelationId"},
            "without_request": {"()": "community.observability.WithoutRequest"},
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"
                " %(correlation_id)s",
                "rename_fields": {
                    "asctime": "time",
                    "levelname": "level",
                    "name": "logger",
                    "correlation_id": "request_id",
                },
            },
            "text": {
                "format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s:"
                " %(message)s"
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id", "without_request"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }


def scrub(event: dict, hint: dict | None = None) -> dict:
    """Sentry's ``before_send``: keep what explains the error, nothing of the person."""
    event.pop("user", None)
    request = event.get("request")
    if request:
        for key in ("data", "cookies", "env", "query_string"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {
            name: value
            for name, value in headers.items()
            if name.lower() in KEPT_HEADERS
        }
    for breadcrumb in (event.get("breadcrumbs") or {}).get("values", []):
        _scrub_breadcrumb(breadcrumb)
    return event


def _scrub_breadcrumb(breadcrumb: dict) -> dict:
    # SQL statements stay (their parameters are never recorded); data attached to
    # any crumb (URLs with queries, log extras) goes.
    breadcrumb.pop("data", None)
    return breadcrumb


def before_breadcrumb(breadcrumb: dict, hint: dict | None = None) -> dict:
    return _scrub_breadcrumb(breadcrumb)


def init_sentry(
    dsn: str, *, environment: str = "", release: str = "", **options
) -> None:
    """Error reports to ``dsn`` (any Sentry-compatible service, e.g. GlitchTip).
    ``options`` go to ``sentry_sdk.init`` as they are (a test's transport)."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration()],
        # What the integrations may collect (sentry-sdk's successor to
        # send_default_pii): nothing of the person; ``scrub`` then checks again.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {
                "request": {"mode": "allowlist", "terms": sorted(KEPT_HEADERS)}
            },
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        traces_sample_rate=0,
        before_send=scrub,
        before_breadcrumb=before_breadcrumb,
        **options,
    )

"""Logs an operator can search: one JSON object per line, the request's id in each
(the one nginx sends, or a new one), and never the request itself (its user, its
address)."""

import io
import json
import logging
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

from community import observability


def _handler(stream) -> logging.Handler:
    """The console handler of the site's LOGGING, writing to ``stream``."""
    config = observability.logging_config(fmt="json")
    spec = dict(config["formatters"]["json"])
    formatter = import_string(spec.pop("()"))(**spec)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    return handler


def test_deployments_write_json_lines_with_the_request_id():
    from cop_site.settings import base

    assert base.LOGGING["handlers"]["console"]["formatter"] == "json"
    assert (
        observability.logging_config(level=base.LOGGING["root"]["level"], fmt="json")
        == base.LOGGING
    )
    # First, so that every later middleware's log lines carry the id.
    assert settings.MIDDLEWARE[0] == "django_guid.middleware.guid_middleware"


def test_a_log_line_carries_nginx_request_id_and_not_the_request(client, db):
    stream = io.StringIO()
    handler = _handler(stream)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    request_id = uuid.uuid4().hex  # nginx's $request_id: 32 hex digits
    try:
        response = client.get(
            "/no-such-page/",
            HTTP_X_REQUEST_ID=request_id,
            REMOTE_ADDR="203.0.113.77",
        )
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert response["X-Request-ID"] == request_id
    (line,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["path"] == "/no-such-page/" and line["method"] == "GET"
    assert "request" not in line
    assert "203.0.113.77" not in stream.getvalue()


def test_a_forged_request_id_is_replaced(client, db):
    for forged in ("<script>alert(1)</script>", "x" * 500, "1 OR 1=1"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=forged)
        returned = response["X-Request-ID"]
        assert returned != forged
        assert uuid.UUID(returned)

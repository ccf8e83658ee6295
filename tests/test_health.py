"""/healthz answers 200 only when the database and the channel layer both answer."""

import pytest
from django.db import connection

from cop_site import views


@pytest.mark.django_db
def test_healthy_when_database_and_channel_layer_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": True, "channel_layer": True},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_unavailable_when_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": False, "channel_layer": True}


@pytest.mark.django_db
def test_unavailable_when_channel_layer_fails(client, monkeypatch):
    class BrokenLayer:
        async def new_channel(self, prefix="x"):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(views, "checking_layer", lambda: BrokenLayer())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": True, "channel_layer": False},
    }

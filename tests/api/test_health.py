"""Liveness and readiness probes."""

from __future__ import annotations

from socketio import PubSubManager

from app import create_app
from extensions import socketio
from realtime.draining import drain
from tests.conftest import make_app, settings_for
from tests.support.processes import free_port


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_with_embedded_defaults(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_names_a_database_that_is_down(tmp_path):
    nowhere = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=1"
    app = create_app(settings_for(tmp_path, SQLALCHEMY_DATABASE_URI=nowhere))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == "down"


def test_readyz_says_a_stopping_worker_takes_nothing_new(client, monkeypatch):
    monkeypatch.setattr(drain, "closing", True)  # as a SIGTERM's stop sets it
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["worker"]
    assert body["checks"] == {"database": "ok", "worker": "stopping"}
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_readyz_checks_redis_when_configured(tmp_path, redis_server):
    app = make_app(tmp_path, REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI="memory://")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok"}

    redis_server.stop()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["redis"]
    assert response.get_json()["status"] == "degraded"


def test_an_app_without_redis_does_not_inherit_an_earlier_apps_queue(tmp_path, redis_server):
    """Apps made one after another in a process (tests, scripts) each get their own bus."""
    clustered = make_app(
        tmp_path / "a", REDIS_URL=redis_server.url, RATELIMIT_STORAGE_URI="memory://"
    )
    assert isinstance(socketio.server.manager, PubSubManager)
    assert clustered.extensions["socketio"] is socketio

    make_app(tmp_path / "b")
    assert not isinstance(socketio.server.manager, PubSubManager)

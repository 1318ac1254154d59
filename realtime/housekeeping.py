"""Periodic work each serving process does: hand over from absent hosts, end empty
parties, start scheduled ones. Safe on several workers at once (the services' updates
are conditional)."""

from __future__ import annotations

import logging

import gevent
from flask import Flask

from extensions import db
from realtime.bus import bus
from services import parties

log = logging.getLogger(__name__)


def start(app: Flask) -> gevent.Greenlet:
    return gevent.spawn(_run_forever, app)


def _run_forever(app: Flask) -> None:
    interval = app.config["PARTY_SWEEP_INTERVAL_SECONDS"]
    while True:
        gevent.sleep(interval)
        try:
            with app.app_context():
                store = bus.presence.store
                parties.sweep(
                    app.config["PARTY_HOST_ABSENT_SECONDS"],
                    app.config["PARTY_EMPTY_GRACE_SECONDS"],
                    store.is_online,
                    store.last_seen,
                )
                db.session.remove()
        except Exception:
            log.exception("Party housekeeping failed; will retry")

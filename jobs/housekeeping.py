"""Periodic work each serving process does: hand over from absent hosts, end empty
parties, start scheduled ones; remove the files no one may read any more; close what
expired tokens still hold open. Safe on
several workers at once (the services' updates and deletes are conditional)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import gevent
from flask import Flask

from extensions import db
from realtime.bus import bus
from services import api_tokens, attachments, parties

log = logging.getLogger(__name__)


def start(app: Flask) -> list[gevent.Greenlet]:
    return [
        gevent.spawn(_every, app, "PARTY_SWEEP_INTERVAL_SECONDS", _sweep_parties),
        gevent.spawn(_every, app, "UPLOAD_SWEEP_INTERVAL_SECONDS", _sweep_uploads),
        gevent.spawn(_every, app, "TOKEN_SWEEP_INTERVAL_SECONDS", _expire_tokens),
    ]


def _every(app: Flask, interval_setting: str, job: Callable[[Flask], None]) -> None:
    interval = app.config[interval_setting]
    while True:
        gevent.sleep(interval)
        try:
            with app.app_context():
                job(app)
                db.session.remove()
        except Exception:
            log.exception("Housekeeping (%s) failed; will retry", job.__name__)


def _sweep_parties(app: Flask) -> None:
    store = bus.watching.store
    parties.sweep(
        app.config["PARTY_HOST_ABSENT_SECONDS"],
        app.config["PARTY_EMPTY_GRACE_SECONDS"],
        store.watchers,
        store.last_watched,
    )


def _sweep_uploads(app: Flask) -> None:
    removed = attachments.sweep(app.config["UPLOAD_ORPHAN_MAX_AGE_SECONDS"])
    if removed:
        log.info("Removed %d files of deleted messages or never sent", removed)


def _expire_tokens(_app: Flask) -> None:
    expired = api_tokens.expire_tokens()
    if expired:
        log.info("Closed %d expired API token(s)", expired)

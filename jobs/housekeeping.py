"""Periodic work each serving process does: hand over from absent hosts, end empty
parties, start scheduled ones; find party states this worker never heard; remove the
files no one may read any more; close what expired tokens still hold open. Safe on
several workers at once (the services' updates and deletes are conditional)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import gevent
from flask import Flask

from extensions import db
from realtime.bus import bus
from services import api_tokens, attachments, parties, party_states

log = logging.getLogger(__name__)


def start(app: Flask) -> list[gevent.Greenlet]:
    return [
        gevent.spawn(_every, app, "PARTY_SWEEP_INTERVAL_SECONDS", _sweep_parties),
        gevent.spawn(_every, app, "STREAM_LOG_CHECK_SECONDS", _check_party_states, 0.0),
        gevent.spawn(_every, app, "UPLOAD_SWEEP_INTERVAL_SECONDS", _sweep_uploads),
        gevent.spawn(_every, app, "TOKEN_SWEEP_INTERVAL_SECONDS", _expire_tokens, 0.0),
    ]


def _every(
    app: Flask,
    interval_setting: str,
    job: Callable[[Flask], float | None],
    first_wait: float | None = None,
) -> None:
    """Run `job` every interval (the first time after `first_wait`, if given), or sooner
    when it says when it has more to do."""
    interval = app.config[interval_setting]
    wait = interval if first_wait is None else first_wait
    while True:
        gevent.sleep(wait)
        wait = interval
        try:
            with app.app_context():
                sooner = job(app)
                db.session.remove()
        except Exception:
            log.exception("Housekeeping (%s) failed; will retry", job.__name__)
            continue
        if sooner is not None:
            wait = min(interval, max(sooner, 0.01))


def _sweep_parties(app: Flask) -> None:
    store = bus.watching.store
    parties.sweep(
        app.config["PARTY_HOST_ABSENT_SECONDS"],
        app.config["PARTY_EMPTY_GRACE_SECONDS"],
        store.watchers,
        store.last_watched,
    )


def _check_party_states(_app: Flask) -> None:
    party_states.check()


def _sweep_uploads(app: Flask) -> None:
    removed = attachments.sweep(app.config["UPLOAD_ORPHAN_MAX_AGE_SECONDS"])
    if removed:
        log.info("Removed %d files of deleted messages or never sent", removed)


def _expire_tokens(_app: Flask) -> float | None:
    """Close what expired tokens hold; the next run comes when the next token expires, if
    that is before the next sweep (a token lives a minute at least, so one sweep sees it
    coming)."""
    expired = api_tokens.expire_tokens()
    if expired:
        log.info("Closed %d expired API token(s)", expired)
    return api_tokens.next_expiry_in()

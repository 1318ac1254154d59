"""WSGI entry point for gevent servers, e.g.
`gunicorn -k gunicorn_worker.Worker -w 1 wsgi:app` (docs/operations.md)."""

import gevent
from gevent import monkey

# No greenlet keeps the stack it was spawned from (a debugging aid): a connection's
# greenlets are lighter and quicker to start.
gevent.config.track_greenlet_tree = False
monkey.patch_all()

from app import create_app, start_background  # noqa: E402

app = create_app()
start_background(app)

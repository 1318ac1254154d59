"""WSGI entry point for gevent servers, e.g. `gunicorn -k gevent -w 1 wsgi:app`."""

from gevent import monkey

monkey.patch_all()

from app import create_app, start_background  # noqa: E402

app = create_app()
start_background(app)

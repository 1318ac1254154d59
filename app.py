"""Tandem's application factory. `python app.py` serves the site with gevent."""

if __name__ == "__main__":
    # Serving directly: cooperative sockets must be in place before anything imports them.
    import gevent
    from gevent import monkey

    # No greenlet keeps the stack it was spawned from (a debugging aid): a connection's
    # greenlets are lighter and quicker to start.
    gevent.config.track_greenlet_tree = False
    monkey.patch_all()

import logging
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gevent
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import cli
import route_limits
from blueprints import (
    admin,
    announcements,
    auth,
    clips,
    comment_live,  # noqa: F401  (registers the live HTML fragments of comments)
    comments,
    conversations,
    health,
    live_fragments,  # noqa: F401  (registers the live HTML fragments)
    main,
    metrics,
    notifications,
    parties,
    playlists,
    post_live,  # noqa: F401  (registers the live HTML fragments of posts)
    posts,
    reports,
    search,
    settings,
    social,
)
from blueprints.api import api
from blueprints.errors import register_error_handlers
from blueprints.security import register_security
from blueprints.templating import register_template_filters
from config import load_config, metrics_enabled, redacted_url
from extensions import csrf, db, limiter, login_manager, migrate, socketio
from jobs import housekeeping
from models import search_schema, sqlite_connections
from realtime import draining, garbage, memory_probe, socket_rooms, websocket_fanout
from realtime import metrics as operator_metrics
from realtime.bus import bus
from realtime.compression import WithoutWebSocketCompression
from realtime.ratelimit import socket_limiter
from services import operator_metrics as metrics_access
from services import resume_state  # noqa: F401  (registers what a resume sends)
from services.validation import ID_MAX
from sockets import comments as comment_events  # noqa: F401  (registers its handlers)
from sockets import connection
from sockets import conversations as conversation_events  # noqa: F401  (registers its handlers)
from sockets import parties as party_events  # noqa: F401  (registers its handlers)
from streams import routes as stream_routes
from streams.poll_gateway import PollGateway

log = logging.getLogger("tandem")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Tandem application; `config` overrides settings from config.py."""
    settings = load_config(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=False)
    app.json = RequestJSONProvider(app)
    app.config.update(settings)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    draining.register(app)
    register_security(app)
    app.before_request(stream_routes.remember_page_cursor)
    app.context_processor(stream_routes.page_cursor)
    register_template_filters(app)
    register_cli(app)
    return app


class RequestJSONProvider(DefaultJSONProvider):
    """JSON too deeply nested for the parser is malformed input like any other (a 400),
    not a RecursionError (a 500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None


def register_extensions(app: Flask) -> None:
    import models  # noqa: F401  (registers the tables on db.metadata)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite_connections.tune(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, include_name=search_schema.include_name)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    limiter.init_app(app)
    route_limits.check_in_routes_only(app)
    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE", "gevent"),
        # A manager of each app's own: the extension keeps its options from one app to
        # the next, and an app without Redis must not inherit another app's queue.
        client_manager=socket_rooms.manager_for(app.config.get("REDIS_URL")),
        cors_allowed_origins=app.config["SOCKETIO_CORS_ORIGINS"] or None,
        max_http_buffer_size=app.config["SOCKETIO_MAX_HTTP_BUFFER_SIZE"],
        ping_interval=app.config["SOCKETIO_PING_INTERVAL_SECONDS"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT_SECONDS"],
        serializer=connection.ClientPacket,
        # A client's events run one after another in its connection's own greenlet, in
        # the order they came: no greenlet started per event, and a client's sends are
        # stored in the order it made them.
        async_handlers=False,
        logger=False,
        engineio_logger=False,
    )
    websocket_fanout.install(socketio.server)
    # Plain long-polls are answered before Flask is entered (streams/poll_gateway.py).
    app.wsgi_app = PollGateway(app, app.wsgi_app)
    if not app.config["WEBSOCKET_COMPRESSION"]:
        # In front of Engine.IO's middleware: WebSocket frames go out uncompressed.
        app.wsgi_app = WithoutWebSocketCompression(app.wsgi_app)
    if app.config["TRUSTED_PROXIES"]:
        # Outermost, so Engine.IO and every route read the client's own address.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    socket_limiter.init_app(app)
    bus.init_app(app)
    operator_metrics.configure(metrics_enabled(app.config))


class RowIdConverter(IntegerConverter):
    """`<int:...>` in routes: a number a database id column can hold. A longer one is a
    404 like any unknown id, instead of an error from the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any rule uses it
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(api)
    app.register_blueprint(stream_routes.bp)
    app.register_blueprint(social.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(conversations.bp)
    app.register_blueprint(parties.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(announcements.bp)
    app.register_blueprint(posts.bp)
    app.register_blueprint(clips.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(playlists.bp)
    app.register_blueprint(search.bp)


def register_cli(app: Flask) -> None:
    app.cli.add_command(cli.users)
    app.cli.add_command(cli.search)


def start_background(app: Flask) -> None:
    """The serving process's own greenlets: the stream listener, presence, housekeeping,
    the garbage collector's compaction and the metrics' sampler."""
    bus.start()
    operator_metrics.start_sampling(metrics_access.sampler(app))
    housekeeping.start(app)
    garbage.start(app.config["GC_COMPACT_INTERVAL_SECONDS"])
    memory_probe.start(app.config["MEMORY_PROBE_PATH"])


def serve() -> None:
    """Serve with gevent's WSGI server (WebSocket through realtime/websocket_transport.py), as
    Flask-SocketIO's `run` would, but binding first so that the port is known."""
    from gevent import pywsgi
    from gevent.pool import Pool

    from realtime.request_headers import Handler

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app()
    # A pool of the handlers, so that a stop waits for them (`_stop_gracefully`).
    server = pywsgi.WSGIServer(
        (app.config["HOST"], app.config["PORT"]), app, log=None, handler_class=Handler, spawn=Pool()
    )
    server.init_socket()
    host, port = server.server_host, server.server_port
    log.info(
        "Tandem (%s) on http://%s:%s, database %s, redis %s",
        app.config["ENV_NAME"],
        host,
        port,
        redacted_url(app.config["SQLALCHEMY_DATABASE_URI"]),
        redacted_url(app.config.get("REDIS_URL")) or "off (in-process bus)",
    )
    start_background(app)
    if app.config["PORT_FILE"]:
        _write_port(Path(app.config["PORT_FILE"]), port)
    socketio.wsgi_server = server
    gevent.signal_handler(signal.SIGTERM, _stop_gracefully, app, server)
    server.serve_forever()


CLOSING_HANDLERS_SECONDS = 2.0


def _stop_gracefully(app: Flask, server) -> None:
    """SIGTERM: take no new connections, finish serving, and stop."""
    # Not `server.close()`: that ends `serve_forever`, which stops the server at once.
    server.stop_accepting()
    server.socket.close()
    finish_serving(app)
    # The connections are closed: their handlers end as soon as their last bytes are out.
    server.stop(timeout=CLOSING_HANDLERS_SECONDS)


def finish_serving(app: Flask) -> None:
    """A stop's work, here and under gunicorn (gunicorn_worker.py): refuse new writes,
    let the writes in hand finish and answer their senders, then close every live
    connection (its client reconnects to another worker and resumes from its cursor)."""
    log.info("Stopping: finishing the writes in hand")
    draining.drain.begin()
    if not draining.drain.wait_idle(app.config["SHUTDOWN_GRACE_SECONDS"]):
        log.warning("Stopping with writes still in hand after the grace period")
    bus.hub.close_all()
    bus.stop()
    operator_metrics.process_stopped(app.config["METRICS_MULTIPROCESS_DIR"])


def _write_port(path: Path, port: int) -> None:
    """Whole or not at all: a reader never sees half a number."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(str(port))
    partial.replace(path)


if __name__ == "__main__":
    serve()

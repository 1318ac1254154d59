"""Authentication on every route and every socket event, and a rate limit on every write.

The tables come from the application: every rule of the URL map with each of its
methods, every handler registered on the Socket.IO server. A route or an event added
without a sign-in check or a rate limit fails here without anyone editing this file;
only the short allow-lists below say what may be reached without signing in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from socketio.exceptions import ConnectionRefusedError
from werkzeug.test import create_environ

from app import create_app
from extensions import db, limiter, socketio
from models.user import Role
from services import accounts, api_tokens, moderation
from sockets import connection
from tests.conftest import PASSWORD, make_app, settings_for
from tests.security.surface import (
    GENEROUS_LIMITS,
    GHOST_ID,
    GHOST_PARTS,
    Route,
    World,
    build_world,
    collected_routes,
    collected_socket_events,
    csrf_token,
    routes,
    signed_in,
)

ROUTES = collected_routes()

# Reachable without signing in, each for a reason. Nothing else is.
PUBLIC_ENDPOINTS = {
    "main.home": "the landing page, where people who are not signed in start",
    "auth.login": "the sign-in form",
    "auth.register": "the sign-up form",
    "api.auth_register": "scripts create an account here and get their first token",
    "api.auth_token": "scripts exchange a username and password for a token here",
    "health.healthz": "load balancers probe liveness without credentials",
    "health.readyz": "load balancers probe readiness without credentials",
    "api.server_time": "the server's clock tells nothing about anyone (limited per IP)",
    "auth.signed_out": "tells a browser whose sign-in ended why, from its own session only",
    "static": "stylesheets, scripts and icons of the public pages",
}
# Read by the operator's scraper with credentials of its own (a bearer token of the
# settings, or loopback), never a sign-in: tested in test_operator_metrics.py.
OPERATOR_ENDPOINTS = {
    "metrics.metrics": "Prometheus scrapes it with METRICS_TOKEN and/or from loopback only"
}
# Pages that answer 404 to everyone but staff, signed in or not: they do not exist for
# others, so they do not even ask them to sign in.
STAFF_ONLY_BLUEPRINTS = {"admin"}

# Socket.IO handlers outside the authenticated event frame, each for a reason.
FRAMELESS_SOCKET_HANDLERS = {
    "connect": "decides who the connection is; refuses anyone without credentials",
    "disconnect": "only forgets the connection",
    "*": "answers unknown_event to any name nobody registered, and does nothing else",
}

PROTECTED = [
    route
    for route in ROUTES
    if route.endpoint not in PUBLIC_ENDPOINTS and route.endpoint not in OPERATOR_ENDPOINTS
]
PROTECTED_API = [route for route in PROTECTED if route.is_api]
WRITES = [route for route in ROUTES if route.is_write]
EVENTS = [event for event in collected_socket_events() if event not in FRAMELESS_SOCKET_HANDLERS]


def route_id(route: Route) -> str:
    return str(route)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Flask, World]]:
    """One app and one world for the module: nothing here changes them on purpose."""
    app = make_app(tmp_path_factory.mktemp("authentication"), **GENEROUS_LIMITS)
    yield app, build_world(app)
    with app.app_context():
        db.engine.dispose()


def public_values(world: World) -> dict:
    """Ids of things anyone signed in could see: an unguarded route would show them."""
    return {
        "conversation_id": world["public_room"],
        "message_id": world["public_room_message"],
        "subject_id": world["public_room_message"],  # a report of it (first subject: message)
        "attachment_id": world["public_room_file"],
        "party_id": world["public_party"],
        "item_id": world["public_party_item"],
        "playlist_id": world["public_playlist"],
        "playlist_item_id": world["public_playlist_item"],
        "report_id": world["report"],
        "announcement_id": world["announcement"],
        "post_id": world["public_post"],
        "clip_id": world["clip"],
        "clip_code": world.codes["clip"],
        "comment_id": world["public_comment"],
        "username": "vera",
        "code": world.codes["public_party"],
        "name": world.avatar,
        "filename": "css/tandem.css",
        "session_id": world["sign_in"],
        "token_id": world["token"],
    }


def assert_unauthenticated_json(response, route: Route) -> None:
    assert response.status_code == 401, f"{route}: {response.status_code}"
    assert response.is_json, f"{route}: not JSON"
    error = response.get_json()["error"]
    assert error["code"] == "unauthenticated", f"{route}: {error}"
    assert isinstance(error["message"], str), route
    assert error["message"], route


def test_the_tables_are_the_app_under_test(site):
    app, _world = site
    assert routes(app) == list(ROUTES)


def test_public_allow_list_names_only_real_endpoints():
    endpoints = {route.endpoint for route in ROUTES}
    assert set(PUBLIC_ENDPOINTS) <= endpoints
    assert set(OPERATOR_ENDPOINTS) <= endpoints
    assert set(FRAMELESS_SOCKET_HANDLERS) <= set(collected_socket_events())


def anonymous_request(site: tuple[Flask, World], route: Route):
    """`route` aimed at public things by a client that has not signed in, with a valid
    CSRF token of its anonymous session: the sign-in check is what answers."""
    app, world = site
    client = app.test_client()
    return client.open(
        route.url(public_values(world)),
        method=route.method,
        headers={"X-CSRFToken": csrf_token(client)},
    )


# -- HTTP -------------------------------------------------------------------------------
@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_anonymous_cannot_reach_route(site, route: Route):
    response = anonymous_request(site, route)
    if route.is_api:
        assert_unauthenticated_json(response, route)
    elif route.endpoint.partition(".")[0] in STAFF_ONLY_BLUEPRINTS:
        assert response.status_code == 404, f"{route}: {response.status_code}"
    else:
        assert response.status_code == 302, f"{route}: {response.status_code}"
        assert response.headers["Location"].startswith("/login?next="), route


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.endpoint in PUBLIC_ENDPOINTS], ids=route_id
)
def test_public_route_serves_anonymous_without_error(site, route: Route):
    response = anonymous_request(site, route)
    assert response.status_code < 500
    if route.method == "GET":
        assert response.status_code == 200


@pytest.fixture(scope="module")
def dead_credentials(site) -> dict[str, str]:
    """Authorization headers that must not sign anyone in, by what is wrong with them."""
    app, world = site
    with app.app_context():
        revoked = world.token("mia")
        api_tokens.revoke_token(api_tokens.token_record(revoked))

        stale = accounts.register("pat", PASSWORD)
        before_password_change = api_tokens.issue_token(stale)
        accounts.change_password(stale, PASSWORD, "a brand new password")

        banned = accounts.register("bob", PASSWORD)
        moderation.ban(accounts.get_by_username("mod"), "bob", "spam")
        after_ban = api_tokens.issue_token(accounts.get_by_username("bob"))
        assert banned.is_banned

        expired = api_tokens.issue_token(accounts.get_by_username("sam"), expires_in=60)
        record = api_tokens.token_record(expired)
        record.expires_at = record.created_at - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
    live = world.token("sam")
    return {
        "garbage": "Bearer tdm_this-was-never-a-token",
        "malformed": "Bearer " + "x" * 300,
        "empty": "Bearer ",
        "revoked": f"Bearer {revoked}",
        "password changed since": f"Bearer {before_password_change}",
        "banned account": f"Bearer {after_ban}",
        "expired": f"Bearer {expired}",
        "token in another scheme": f"Basic {live}",
        "token without a scheme": live,
    }


@pytest.mark.parametrize("route", PROTECTED_API, ids=route_id)
def test_api_refuses_dead_bearer_tokens(site, dead_credentials, route: Route):
    app, world = site
    url = route.url(public_values(world))
    for what, header in dead_credentials.items():
        response = app.test_client().open(
            url, method=route.method, headers={"Authorization": header}
        )
        assert response.status_code == 401, f"{route} with a {what} token"
        assert response.get_json()["error"]["code"] == "unauthenticated", what


@pytest.mark.parametrize("route", PROTECTED_API, ids=route_id)
def test_bad_authorization_header_is_not_rescued_by_a_session_cookie(site, route: Route):
    """A request with an Authorization header is judged by that header alone."""
    app, world = site
    client = signed_in(app, "sam")
    response = client.open(
        route.url(public_values(world)),
        method=route.method,
        headers={"Authorization": "Bearer tdm_forged", "X-CSRFToken": csrf_token(client)},
    )
    assert_unauthenticated_json(response, route)


# -- Socket.IO --------------------------------------------------------------------------
def connected(app: Flask, **kwargs) -> bool:
    client = socketio.test_client(app, **kwargs)
    try:
        return client.is_connected()
    finally:
        if client.is_connected():
            client.disconnect()


def test_socket_connect_with_a_live_token_is_accepted(site):
    """The refusals below are refusals, not a server that accepts nobody."""
    app, world = site
    assert connected(app, auth={"token": world.token("sam")})
    assert connected(app, flask_test_client=signed_in(app, "sam"))


@pytest.mark.parametrize(
    "credential",
    ["garbage", "malformed", "revoked", "password changed since", "banned account", "expired"],
)
def test_socket_connect_refuses_dead_token(site, dead_credentials, credential: str):
    app, _world = site
    token = dead_credentials[credential].removeprefix("Bearer ")
    assert not connected(app, auth={"token": token})
    assert not connected(app, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("auth", [None, {}, {"token": None}, {"token": 42}, "a-string", []])
def test_anonymous_socket_connect_is_refused(site, auth):
    app, _world = site
    assert not connected(app, auth=auth)
    # A browser with a cookie jar but no sign-in is anonymous too.
    assert not connected(app, auth=auth, flask_test_client=app.test_client())


def test_socket_connect_refusal_names_the_reason(site):
    app, _world = site
    connect = socketio.server.handlers["/"]["connect"]
    environ = {**create_environ("/socket.io/"), "flask.app": app}
    with pytest.raises(ConnectionRefusedError) as refused:
        connect("a-sid", environ, {"cursor": None})
    assert refused.value.error_args["data"] == {"code": "unauthenticated"}


def test_signed_out_session_cookie_cannot_connect(site):
    app, _world = site
    client = signed_in(app, "sam")
    assert connected(app, flask_test_client=client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert not connected(app, flask_test_client=client)


# The frame that signs in, limits and acks every client event: `handler` returns it.
FRAME = connection.time_ping.__code__


@pytest.mark.parametrize("event", EVENTS)
def test_socket_event_goes_through_the_authenticated_frame(site, event: str):
    _app, _world = site
    frame = socketio.server.handlers["/"][event]
    assert frame.__code__ is FRAME, f"{event} is registered without sockets.connection.handler"

    # And it answers a connection nobody signed in on without running the event.
    payload = {
        "conversation_id": GHOST_ID,
        "message_id": GHOST_ID,
        "party_id": GHOST_ID,
        "user_id": GHOST_ID,
        "body": "hello",
        "status": "online",
    }
    ack = frame("no-such-connection", payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "unauthenticated"


def test_catch_all_socket_handler_only_names_the_unknown_event(site):
    app, _world = site
    catch_all = socketio.server.handlers["/"]["*"].__wrapped__
    with app.test_request_context("/socket.io/"):
        request.sid = "no-such-connection"
        ack = catch_all("party:explode", {"party_id": 1})
    assert ack == {
        "ok": False,
        "error": {"code": "unknown_event", "message": "There is no event called 'party:explode'."},
    }


# -- rate limits on every write ---------------------------------------------------------
@pytest.fixture(scope="module")
def tight(tmp_path_factory) -> Iterator[tuple[Flask, dict[str, str]]]:
    """An app whose every rate-limit setting allows one request an hour."""
    folder = tmp_path_factory.mktemp("rate-limits")
    defaults = create_app(settings_for(folder / "defaults")).config
    settings = {name: "1 per hour" for name in defaults if name.endswith("_RATE_LIMIT")}
    app = make_app(folder, **settings)
    with app.app_context():
        # A moderator: staff pages check the role before their limit can count.
        staff = accounts.register("moderator", PASSWORD, Role.MODERATOR)
        headers = {"Authorization": f"Bearer {api_tokens.issue_token(staff)}"}
        db.session.remove()
    yield app, headers
    with app.app_context():
        db.engine.dispose()


def declared_limits(app: Flask, route: Route) -> list:
    """Flask-Limiter's limits for this route and method, as it would apply them."""
    blueprint = route.endpoint.rpartition(".")[0] or None
    with app.test_request_context(route.path, method=route.method):
        _defaults, decorated = limiter.limit_manager.resolve_limits(app, route.endpoint, blueprint)
        return [
            limit
            for limit in decorated
            if limit.methods is None or route.method.lower() in limit.methods
        ]


@pytest.mark.parametrize("route", WRITES, ids=route_id)
def test_write_route_is_rate_limited(tight, route: Route):
    app, headers = tight
    assert declared_limits(app, route), f"{route} declares no rate limit"

    url = route.url(GHOST_PARTS)
    client: FlaskClient = app.test_client()
    statuses = [client.open(url, method=route.method, headers=headers) for _ in range(2)]
    limited = [response for response in statuses if response.status_code == 429]
    assert limited, f"{route}: {[r.status_code for r in statuses]}, never 429"
    refusal = limited[0]
    assert int(refusal.headers["Retry-After"]) > 0
    if route.is_api:
        assert refusal.get_json()["error"]["code"] == "rate_limited"

"""Forged cross-site requests: CSRF on every cookie-authenticated write, generated from
the URL map, and Cross-Site WebSocket Hijacking against a real server on both Socket.IO
transports.

A page on another site can make a signed-in browser send requests with Tandem's session
cookie. It cannot read Tandem's pages, so it cannot know the CSRF token; and a browser
always names the page's origin in a WebSocket or fetch handshake. Both are checked here,
each next to the same request done right, so a test cannot pass by refusing everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import orjson
import pytest
import requests
import websocket
from flask import Flask

from blueprints.security import CSRF_EXEMPT_ENDPOINTS
from extensions import db
from tests.conftest import CSRF_IN_PAGE, PASSWORD, make_app
from tests.security.surface import (
    GHOST_ID,
    GHOST_PARTS,
    Route,
    World,
    build_world,
    changes_between,
    collected_routes,
    csrf_token,
    is_csrf_refusal,
    signed_in,
    stored_state,
)
from tests.support.clients import register

WRITES = [route for route in collected_routes() if route.is_write]

# Writes that take no CSRF token, each for a reason.
CSRF_EXEMPT = {
    "api.auth_register": "JSON only, reads no session and sets no cookie: returns a token",
    "api.auth_token": "JSON only, reads no session and sets no cookie: returns a token",
}
GUARDED = [route for route in WRITES if route.endpoint not in CSRF_EXEMPT]


def route_id(route: Route) -> str:
    return str(route)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Flask, World]]:
    app = make_app(tmp_path_factory.mktemp("cross-site"))
    yield app, build_world(app)
    with app.app_context():
        db.engine.dispose()


def own_things(world: World, route: Route) -> str:
    """The URL aimed at the signed-in stranger's own things: a write that slipped past
    the CSRF check would really change them."""
    return route.url(
        {
            "conversation_id": world["mine_group"],
            "message_id": world["mine_message"],
            "subject_id": world["mine_message"],
            "party_id": world["mine_party"],
            "item_id": world["mine_item"],
            "playlist_id": world["mine_playlist"],
            "playlist_item_id": world["mine_playlist_item"],
            "report_id": GHOST_ID,
            "announcement_id": GHOST_ID,
            "post_id": world["mine_post"],
            "clip_id": world["mine_clip"],
            "clip_code": world.codes["mine_clip"],
            "comment_id": world["mine_comment"],
            "username": "vera",
            "code": world.codes["public_party"],
            "session_id": world["mine_sign_in"],
            "token_id": world["mine_token"],
        }
    )


def nothing(route: Route) -> str:
    """The URL aimed at ids and names nobody has: requests that pass the CSRF check get
    as far as finding nothing, and change nothing the other tests rely on."""
    return route.url(GHOST_PARTS)


def send(client, route: Route, url: str, token: str | None = None, in_form: bool = False):
    """The write as its own client would send it: JSON to the API, a form to pages."""
    headers = {"X-CSRFToken": token} if token and not in_form else {}
    if route.is_api:
        return client.open(url, method=route.method, json={}, headers=headers)
    data = {"csrf_token": token} if token and in_form else {}
    return client.open(url, method=route.method, data=data, headers=headers)


def test_the_exempt_list_is_the_apps():
    assert set(CSRF_EXEMPT) == set(CSRF_EXEMPT_ENDPOINTS)


@pytest.mark.parametrize("route", GUARDED, ids=route_id)
def test_cookie_write_without_csrf_token_is_refused(site, route: Route):
    app, world = site
    victim = signed_in(app, "sam")
    url = own_things(world, route)
    # What a forging page can send: nothing, or a token of a session of its own.
    attackers_token = csrf_token(app.test_client())
    with app.app_context():
        before = stored_state()
    for token in (None, attackers_token, "not-a-token"):
        response = send(victim, route, url, token)
        assert is_csrf_refusal(response), f"{route} ({token!r}): {response.status_code}"
        if route.is_api:
            error = response.get_json()["error"]
            assert error["message"], route
    with app.app_context():
        assert changes_between(before, stored_state()) == {}
    # The session itself is still signed in: the refusal only refused.
    assert victim.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("route", GUARDED, ids=route_id)
def test_cookie_write_with_csrf_token_passes_the_csrf_check(site, route: Route):
    app, _world = site
    url = nothing(route)
    ways = [False] if route.is_api else [False, True]  # htmx header; and a form field
    for in_form in ways:
        client = signed_in(app, "sam")
        response = send(client, route, url, csrf_token(client), in_form=in_form)
        assert not is_csrf_refusal(response), f"{route} (token in form: {in_form})"
        assert response.status_code < 500, route


@pytest.mark.parametrize("route", [r for r in WRITES if r.is_api], ids=route_id)
def test_bearer_write_needs_no_csrf_token(site, route: Route):
    app, world = site
    response = app.test_client().open(
        nothing(route), method=route.method, json={}, headers=world.bearer("sam")
    )
    assert not is_csrf_refusal(response), route
    assert response.status_code < 500, route


@pytest.mark.parametrize("page", ["/login", "/register"])
def test_anonymous_forms_without_csrf_token_are_refused(site, page: str):
    """A forged login would sign the victim in as the attacker (login CSRF)."""
    app, _world = site
    client = app.test_client()
    form = {"username": "sam", "password": PASSWORD, "confirm": PASSWORD}
    assert is_csrf_refusal(client.post(page, data=form))
    assert client.get("/api/v1/me").status_code == 401


def test_json_api_with_a_cookie_needs_the_csrf_header(site):
    """The API's own clients: a script on Tandem's pages sends the header and is served;
    the same request from elsewhere, without it, is refused and sends nothing."""
    app, _world = site
    client = signed_in(app, "sam")
    header = {"X-CSRFToken": csrf_token(client)}
    group = client.post(
        "/api/v1/conversations", json={"kind": "group", "name": "Notes"}, headers=header
    )
    assert group.status_code == 201
    url = f"/api/v1/conversations/{group.get_json()['conversation']['id']}/messages"
    refused = client.post(url, json={"body": "forged"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    assert client.post(url, json={"body": "mine"}, headers=header).status_code == 201
    assert [m["body"] for m in client.get(url).get_json()["messages"]] == ["mine"]


# -- Cross-Site WebSocket Hijacking, against a real server ------------------------------
def browser_cookie(base: str) -> str:
    """Sign in through the login form, as a browser does; the Cookie header it sends."""
    account = register(base)
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=10).text
    token = CSRF_IN_PAGE.search(page).group(1)
    response = browser.post(
        base + "/login",
        data={"username": account.username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    assert browser.get(base + "/api/v1/me", timeout=10).json()["user"]["id"] == account.id
    return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


def websocket_handshake(base: str, origin: str, cookie: str) -> str:
    """Open a WebSocket as a browser page at `origin` would; the CONNECT answer."""
    ws = websocket.create_connection(
        base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
        origin=origin,
        cookie=cookie,
        timeout=10,
    )
    try:
        ws.recv()  # the Engine.IO open packet
        ws.send("40")
        return ws.recv()
    finally:
        ws.close(timeout=0)


def polling_handshake(base: str, origin: str, cookie: str) -> requests.Response:
    """Open Engine.IO long-polling as a page at `origin` would (a credentialed fetch)."""
    return requests.get(
        base + "/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": origin, "Cookie": cookie},
        timeout=10,
    )


def polling_connect(base: str, origin: str, cookie: str) -> str:
    opened = polling_handshake(base, origin, cookie)
    assert opened.status_code == 200, opened.text
    params = {"EIO": "4", "transport": "polling", "sid": orjson.loads(opened.text[1:])["sid"]}
    headers = {"Origin": origin, "Cookie": cookie}
    url = base + "/socket.io/"
    requests.post(url, params=params, data="40", headers=headers, timeout=10).raise_for_status()
    return requests.get(url, params=params, headers=headers, timeout=10).text


FOREIGN_ORIGINS: dict[str, Callable[[str], str]] = {
    "another site": lambda base: "http://evil.example",
    "an opaque origin": lambda base: "null",
    "the same host over https": lambda base: base.replace("http://", "https://"),
    "another port": lambda base: base.rsplit(":", 1)[0] + ":1",
    "the host as a prefix": lambda base: base + ".evil.example",
    "the host in a path": lambda base: "http://evil.example/" + base.removeprefix("http://"),
    "localhost for loopback": lambda base: base.replace("127.0.0.1", "localhost"),
}


@pytest.mark.server
@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_same_origin_handshake_with_session_cookie_connects(shared_server, transport):
    base = shared_server.url
    cookie = browser_cookie(base)
    if transport == "websocket":
        answer = websocket_handshake(base, base, cookie)
    else:
        answer = polling_connect(base, base, cookie)
    assert answer.startswith("40"), answer
    assert "sid" in orjson.loads(answer[2:])


@pytest.mark.server
@pytest.mark.parametrize("origin", FOREIGN_ORIGINS, ids=list(FOREIGN_ORIGINS))
def test_foreign_origin_handshake_with_session_cookie_is_refused(shared_server, origin):
    base = shared_server.url
    cookie = browser_cookie(base)
    foreign = FOREIGN_ORIGINS[origin](base)
    assert foreign != base

    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket_handshake(base, foreign, cookie)
    assert refused.value.status_code == 400

    assert polling_handshake(base, foreign, cookie).status_code == 400


@pytest.mark.server
def test_foreign_origin_cannot_use_an_open_polling_session(shared_server):
    """Every polling request is judged by its origin, not only the one that opened it."""
    base = shared_server.url
    cookie = browser_cookie(base)
    opened = polling_handshake(base, base, cookie)
    assert opened.status_code == 200
    params = {"EIO": "4", "transport": "polling", "sid": orjson.loads(opened.text[1:])["sid"]}
    forged = {"Origin": "http://evil.example", "Cookie": cookie}
    url = base + "/socket.io/"
    assert (
        requests.post(url, params=params, data="40", headers=forged, timeout=10).status_code == 400
    )
    assert requests.get(url, params=params, headers=forged, timeout=10).status_code == 400

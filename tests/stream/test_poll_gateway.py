"""Plain long-polls answered beneath Flask (streams/poll_gateway.py): the view's answer,
the view's headers, and every other request left to Flask."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from realtime import cursor as cursors
from services import api_tokens
from streams.poll_gateway import PollGateway, query_arguments
from tests.support.replays import ok

POLL = "/api/v1/events"
IGNORED = {"Content-Length": "", "Vary": ""}


def gateway_of(app: Flask) -> PollGateway:
    layer = app.wsgi_app
    while not isinstance(layer, PollGateway):
        layer = layer.app
    return layer


def answered(wsgi_app, headers: dict, query: dict | None = None) -> tuple[str, dict, bytes]:
    environ = EnvironBuilder(path=POLL, query_string=query, headers=headers).get_environ()
    body, status, response_headers = run_wsgi_app(wsgi_app, environ, buffered=True)
    return status, dict(response_headers), b"".join(body)


def same_positions(answer: dict) -> dict:
    """An answer with each cursor reduced to its event id: a cursor's stamp of the
    states it carried is the time of the poll."""
    return {
        "events": [{**event, "id": cursors.decode(event["id"])} for event in answer["events"]],
        "cursor": cursors.decode(answer["cursor"]),
    }


@pytest.fixture
def flask_entered(app: Flask, monkeypatch) -> list[str]:
    """The paths of the requests Flask itself dispatched."""
    entered: list[str] = []
    dispatch = app.full_dispatch_request

    def counted():
        from flask import request

        entered.append(request.path)
        return dispatch()

    monkeypatch.setattr(app, "full_dispatch_request", counted)
    return entered


def direct_message(client, sender: dict, to: str, body: str) -> None:
    conversation = ok(
        client.post(
            "/api/v1/conversations", json={"kind": "direct", "username": to}, headers=sender
        )
    )["conversation"]["id"]
    url = f"/api/v1/conversations/{conversation}/messages"
    ok(client.post(url, json={"body": body}, headers=sender))


def test_a_plain_poll_is_answered_without_entering_flask(
    app, client, user_factory, bearer, flask_entered
):
    ann, ben = bearer(user_factory("ann")), bearer(user_factory("ben"))
    cursor = ok(client.get(POLL, headers=ann))["cursor"]
    direct_message(client, ben, "ann", "hello from below")
    flask_entered.clear()
    answer = client.get(POLL, query_string={"cursor": cursor, "timeout": 0}, headers=ann)
    assert answer.status_code == 200
    assert flask_entered == []
    events = answer.get_json()["events"]
    bodies = [event["data"]["body"] for event in events if event["event"] == "message:new"]
    assert bodies == ["hello from below"]
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
    # Answered from the cursor it gave: nothing twice.
    again = client.get(
        POLL, query_string={"cursor": answer.get_json()["cursor"], "timeout": 0}, headers=ann
    )
    assert again.get_json()["events"] == []
    assert flask_entered == []


def test_the_gateway_answers_as_the_view_does(app, client, user_factory, bearer):
    ann, ben = bearer(user_factory("ann")), bearer(user_factory("ben"))
    cursor = ok(client.get(POLL, headers=ann))["cursor"]
    direct_message(client, ben, "ann", "one")
    direct_message(client, ann, "ben", "two")
    gateway = gateway_of(app)
    asked = [
        None,
        {"cursor": cursor, "timeout": "0"},
        {"cursor": ok(client.get(POLL, headers=ann))["cursor"], "timeout": "0"},  # up to date
    ]
    with app.app_context():
        for query in asked:
            here = answered(gateway, ann, query)
            view = answered(gateway.inner, ann, query)
            assert here[0] == view[0] == "200 OK"
            # Flask's varies on Cookie since its session was looked at; a bearer's depends
            # on none (and no shared cache keeps an answer to a request with a token).
            assert here[1] | IGNORED == view[1] | IGNORED
            mine, theirs = (app.json.loads(answer[2]) for answer in (here, view))
            assert same_positions(mine) == same_positions(theirs)
            assert (mine["events"] != []) == (query is not None and query["cursor"] == cursor)


@pytest.mark.parametrize(
    ("query", "extra_headers"),
    [
        ({"cursor": "c1", "timeout": "soon"}, {}),  # the view's error, in its words
        ({"cursor": "not a cursor", "timeout": "0"}, {}),
        ({"cursor": "c1", "timeout": "0", "author": "1"}, {}),  # a page's channels
        ({"cursor": "c1", "timeout": "0", "cursor ": "c2"}, {}),
        ({"timeout": "0"}, {"Last-Event-ID": "c1"}),
    ],
)
def test_every_other_shape_of_poll_goes_on_to_flask(
    client, user_factory, bearer, flask_entered, query, extra_headers
):
    ann = bearer(user_factory("ann"))
    answer = client.get(POLL, query_string=query, headers={**ann, **extra_headers})
    assert flask_entered == [POLL]
    assert answer.status_code in (200, 400)


def test_a_token_not_in_force_and_a_cookie_are_for_flask_to_judge(
    client, user_factory, bearer, flask_entered
):
    ann = user_factory("ann")
    headers = bearer(ann)
    api_tokens.revoke_token(api_tokens.tokens_of(ann)[0])
    refused = client.get(POLL, query_string={"cursor": "c1", "timeout": 0}, headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthenticated"
    nobody = client.get(POLL, query_string={"cursor": "c1", "timeout": 0})
    assert nobody.status_code == 401
    wrong = {"Authorization": "Bearer tdm_not_a_token"}
    assert client.get(POLL, query_string={"cursor": "c1"}, headers=wrong).status_code == 401
    assert flask_entered == [POLL, POLL, POLL]


def test_a_poll_the_gateway_fails_is_answered_by_flask(
    client, user_factory, bearer, flask_entered, monkeypatch, caplog
):
    ann = bearer(user_factory("ann"))
    checked = api_tokens.token_in_force
    calls = []

    def fails_once(raw, **kwargs):
        calls.append(raw)
        if len(calls) == 1:
            raise RuntimeError("the database went away for a moment")
        return checked(raw, **kwargs)

    monkeypatch.setattr(api_tokens, "token_in_force", fails_once)
    with caplog.at_level(logging.ERROR, logger="streams.poll_gateway"):
        answer = client.get(POLL, query_string={"cursor": "c1", "timeout": 0}, headers=ann)
    assert answer.status_code == 200
    assert flask_entered == [POLL]
    assert len(calls) == 2
    assert "Flask answers it" in caplog.text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "cursor=1a2b.3c&timeout=25",
        "timeout=0",
        "cursor=&timeout=",
        "cursor",
        "cursor=a=b",
        "&&cursor=x&",
        "cursor=x;timeout=5",
        "cursor=%31&timeout=2",
        "cursor=a+b",
        "curs%6Fr=x",
        "cursor=\u00e9t\u00e9",
    ],
)
def test_a_query_reads_as_urllib_reads_it(query):
    assert query_arguments(query) == parse_qsl(query, keep_blank_values=True)

"""Which views a bearer token reaches with the account's id only."""

from __future__ import annotations

from flask_login import UserMixin

from request_identity import TokenBearer, is_identity_only


def test_only_the_event_streams_take_the_id_alone(app):
    marked = {endpoint for endpoint in app.view_functions if is_identity_only(endpoint)}
    assert marked == {"events.long_poll", "events.sse_stream"}
    assert not is_identity_only(None)
    assert not is_identity_only("no.such_view")


def test_a_token_bearer_is_signed_in_as_its_account(app):
    bearer = TokenBearer(42)
    assert isinstance(bearer, UserMixin)
    assert bearer.is_authenticated
    assert bearer.get_id() == "42"

"""route_limits.py: each route checks its own allowance; nothing else runs per request."""

from __future__ import annotations

from extensions import limiter


def test_no_request_pays_for_a_limit_pass_that_finds_nothing(app):
    hooks = app.before_request_funcs.get(None, [])
    assert limiter._check_request_limit not in hooks
    assert not limiter.limit_manager.default_limits
    assert not limiter.limit_manager.application_limits


def test_a_routes_own_allowance_still_refuses_once_spent(app):
    app.config["TIME_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    answers = [client.get("/api/v1/time").status_code for _ in range(3)]
    assert answers == [200, 200, 429]

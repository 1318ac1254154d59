"""The one way an action of the JSON API is declared: a route of a signed-in user, under
its budget, whose view gives the body to answer and leaves the answering to this module."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask_login import login_required

from blueprints.api import api
from budgets import Budget
from route_limits import token_write_limit, user_action


def _answering(view: Callable, status: int) -> Callable:
    """The view answered: its body as JSON with `status`, None as 204 with no body, or
    its own `(body, status)`."""

    @functools.wraps(view)
    def answer(**values: Any) -> Any:
        body = view(**values)
        if body is None:
            return "", 204
        return body if isinstance(body, tuple) else (body, status)

    return answer


def action(
    method: str, rule: str, budget: Budget, *, status: int = 200
) -> Callable[[Callable], Any]:
    """Register the view as `route_limits.user_action` of the API does. The view gives
    the JSON body, answered with `status`, or None, answered 204 with no body; a view
    whose status depends on the outcome gives `(body, status)`."""

    def register(view: Callable) -> Any:
        return user_action(api, method, rule, budget)(_answering(view, status))

    return register


def token_write_action(method: str, rule: str) -> Callable[[Callable], Any]:
    """Register an action on the caller's own sign-ins and tokens, answered as `action`
    answers. It draws on the token-write limit (per address, as the settings page's
    sign-out and revoke forms do) instead of a budget; the limit is counted before the
    sign-in is checked."""

    def register(view: Callable) -> Any:
        limited = token_write_limit(login_required(_answering(view, 200)))
        return api.route(rule, methods=[method])(limited)

    return register

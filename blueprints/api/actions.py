"""The one way an action of the JSON API is declared: a route of a signed-in user, under
its budget, whose view gives the body to answer and leaves the answering to this module."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from blueprints.api import api
from budgets import Budget
from route_limits import user_action


def action(
    method: str, rule: str, budget: Budget, *, status: int = 200
) -> Callable[[Callable], Any]:
    """Register the view as `route_limits.user_action` of the API does. The view gives
    the JSON body, answered with `status`, or None, answered 204 with no body; a view
    whose status depends on the outcome gives `(body, status)`."""

    def register(view: Callable) -> Any:
        @functools.wraps(view)
        def answer(**values: Any) -> Any:
            body = view(**values)
            if body is None:
                return "", 204
            return body if isinstance(body, tuple) else (body, status)

        return user_action(api, method, rule, budget)(answer)

    return register

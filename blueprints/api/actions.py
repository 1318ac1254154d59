"""The one way an action of the JSON API is declared: a route of a signed-in user, under
its budget, whose view gives the body to answer and leaves the answering to this module."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask_login import current_user, login_required

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


def plain_action(method: str, rule: str, budget: Budget, service: Callable[..., object]) -> None:
    """Register an action whose whole work is `service(current_user, *values)`, the
    route's values in the rule's order, answered 204 with no body. Its endpoint is named
    for the service: `playlist_people.follow` is `api.playlist_people_follow`."""

    def run(values: dict[str, object]) -> None:
        service(current_user, *values.values())

    name = f"{service.__module__.rpartition('.')[2]}_{service.__name__}"
    action(method, rule, budget)(named_view(name, run))


def named_view(name: str, answer: Callable[[dict[str, object]], object]) -> Callable[..., object]:
    """A view named `name` (its endpoint, and the name the rate limiter keys its limits
    by) that answers from the route's values."""

    def view(**values: object) -> object:
        return answer(values)

    view.__name__ = view.__qualname__ = name
    return view


def token_write_action(method: str, rule: str) -> Callable[[Callable], Any]:
    """Register an action on the caller's own sign-ins and tokens, answered as `action`
    answers. It draws on the token-write limit (per address, as the settings page's
    sign-out and revoke forms do) instead of a budget; the limit is counted before the
    sign-in is checked."""

    def register(view: Callable) -> Any:
        limited = token_write_limit(login_required(_answering(view, 200)))
        return api.route(rule, methods=[method])(limited)

    return register

"""Rate-limit rules shared by pages and the JSON API; the figures come from config."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from budgets import Budget
from extensions import limiter


def _setting(name: str):
    return lambda: current_app.config[name]


def _submitted_username() -> str:
    """Key for per-account login limits: the name from the form or the JSON body, from
    this address. Keyed on the name alone, anyone's wrong guesses would lock its owner
    out; from this address they lock out only the guesser."""
    try:
        data = request.get_json(silent=True) if request.is_json else request.form
    except RequestEntityTooLarge:
        return "login-user:"  # the view answers 413 before any password is checked
    name = data.get("username") if isinstance(data, Mapping) else None
    if not isinstance(name, str):
        return "login-user:"
    return f"login-user:{name.strip().lower()[:64]}@{get_remote_address()}"


def _refused(response: Response) -> bool:
    """A sign-in that failed: wrong credentials or input (a ban, told only after the
    right password, and a success count for nothing)."""
    return response.status_code in (400, 401)


registration_limit = limiter.shared_limit(
    _setting("REGISTRATION_RATE_LIMIT"), scope="register", methods=["POST"]
)
login_ip_limit = limiter.shared_limit(
    _setting("LOGIN_RATE_LIMIT"), scope="login-ip", methods=["POST"]
)
login_username_limit = limiter.shared_limit(
    _setting("LOGIN_USERNAME_RATE_LIMIT"),
    scope="login-user",
    key_func=_submitted_username,
    methods=["POST"],
    deduct_when=_refused,
)
token_write_limit = limiter.shared_limit(
    _setting("TOKEN_REVOKE_RATE_LIMIT"), scope="token-write", methods=["POST", "DELETE"]
)


def user_or_ip() -> str:
    """Per-account limits for signed-in callers, per IP for everyone else."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address()}"


def per_user(budget: Budget):
    """The limit of one action (budgets.py), counted per signed-in user: one count for
    every route and socket event (realtime.ratelimit) that names the same budget, so the
    same action through another door draws on the same allowance."""
    return limiter.shared_limit(_setting(budget.setting), scope=budget.scope, key_func=user_or_ip)


def user_action(
    blueprint: Blueprint, method: str, rule: str, budget: Budget
) -> Callable[[Callable], Any]:
    """Register a route of `blueprint` that only a signed-in user may take and that draws
    on `budget` (`per_user`); the limit is counted before the sign-in is checked."""

    def register(view: Callable) -> Any:
        return blueprint.route(rule, methods=[method])(per_user(budget)(login_required(view)))

    return register


def check_in_routes_only(app: Flask) -> None:
    """Every allowance here is a route's own decorator, which checks it as the route
    runs. With no default, application-wide or blueprint limits the extension's
    before-request pass finds nothing to check, yet it cost a fifth of a light request (a
    poll, a health check): it is taken out. Limits of those kinds would keep it."""
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or manager._blueprint_limits:
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)

"""Views that need only who is asking, and the asker a bearer token makes for them.

A bearer token's request to a view marked `identity_only` is checked with one statement
(`services.api_tokens.token_in_force`, from blueprints/security.py) and reaches the view
as a `TokenBearer`, which holds the account's id. Long-polls ask over and over: loading
the token and the account was a quarter of a poll's CPU. Such a view loads the account
itself where it needs more than the id."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from flask_login import UserMixin

View = TypeVar("View", bound=Callable)


def identity_only(view: View) -> View:
    """Mark `view` as one that reads only `current_user.id`."""
    view.identity_only = True
    return view


def is_identity_only(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "identity_only", False)


class TokenBearer(UserMixin):
    """Who asks with a bearer token at an `identity_only` view: the account's id. Its
    token was checked as every token is (revoked, expired, banned, deleted: refused)."""

    def __init__(self, user_id: int) -> None:
        self.id = user_id

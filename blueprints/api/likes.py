"""Likes over JSON, one way for every thing people like: liking, unliking and who likes
it, under the thing's own path (`/posts/<int:post_id>/like`, `/posts/<int:post_id>/likes`)."""

from __future__ import annotations

from collections.abc import Callable

from flask import jsonify
from flask_login import current_user, login_required

from blueprints.api import api
from blueprints.api.actions import action, named_view
from budgets import Budget
from request_body import query_int


def like_routes(
    kind: str,
    budget: Budget,
    toggles: tuple[Callable[..., dict], Callable[..., dict]],
    likers: Callable[..., dict],
    likers_max: int,
) -> None:
    """Register `POST` and `DELETE .../like` (`toggles`: the service's like and unlike,
    each answering the new count) and `GET .../likes` (`likers`, at most `likers_max`
    people a page) for `kind`, as views `<kind>_like`, `<kind>_unlike` and `<kind>_likers`."""
    key = f"{kind}_id"
    thing = f"/{kind}s/<int:{key}>"
    like, unlike = toggles
    action("POST", f"{thing}/like", budget)(
        named_view(f"{kind}_like", lambda ids: like(current_user, ids[key]))
    )
    action("DELETE", f"{thing}/like", budget)(
        named_view(f"{kind}_unlike", lambda ids: unlike(current_user, ids[key]))
    )
    page = named_view(
        f"{kind}_likers",
        lambda ids: jsonify(likers(current_user, ids[key], query_int("limit", likers_max))),
    )
    api.get(f"{thing}/likes")(login_required(page))

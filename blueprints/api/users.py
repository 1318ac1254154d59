"""People over JSON: profiles, search, follows, blocks."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from models.user import User
from request_body import query_int
from route_limits import per_user
from services import accounts, profiles, social
from services.relations import has_blocked, is_following


def _profile(user) -> dict:
    return {
        **user.to_public(),
        "bio": user.bio,
        **social.counts(user.id),
        "presence": profiles.visible_presence(current_user.id, user),
        "following": is_following(current_user.id, user.id),
        "follows_you": is_following(user.id, current_user.id),
        "blocked": has_blocked(current_user.id, user.id),
    }


@api.get("/users")
@login_required
def users_search():
    query = request.args.get("q", "")
    found = profiles.search(current_user, query, limit=query_int("limit", profiles.SEARCH_MAX, 20))
    return jsonify({"users": [user.to_public() for user in found]})


@api.get("/users/<username>")
@login_required
def user_profile(username: str):
    return jsonify({"user": _profile(accounts.get_by_username(username))})


def _relation_view(change: Callable[[User, str], User]) -> Callable[[str], Response]:
    """A view that makes `change` (its endpoint's name) and answers the profile as the
    caller sees it now."""

    def view(username: str) -> Response:
        return jsonify({"user": _profile(change(current_user, username))})

    view.__name__ = view.__qualname__ = change.__name__
    return per_user(budgets.SOCIAL_WRITE)(login_required(view))


# Follow, unfollow, block, unblock: endpoints api.follow, api.unfollow, api.block, api.unblock.
for rule, method, change in (
    ("/users/<username>/follow", "POST", social.follow),
    ("/users/<username>/follow", "DELETE", social.unfollow),
    ("/users/<username>/block", "POST", social.block),
    ("/users/<username>/block", "DELETE", social.unblock),
):
    api.add_url_rule(rule, view_func=_relation_view(change), methods=[method])


@api.get("/users/<username>/<any(followers, following):which>")
@login_required
def people(username: str, which: str):
    lister = social.followers if which == "followers" else social.following
    page = lister(
        username, page=query_int("page", 100_000, 1), per_page=query_int("per_page", 100, 20)
    )
    return jsonify(page.to_dict())


@api.get("/blocks")
@login_required
def blocks():
    return jsonify({"users": [user.to_public() for user in social.blocked_users(current_user)]})

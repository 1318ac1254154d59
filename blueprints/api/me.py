"""The signed-in account."""

from flask import jsonify
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from request_body import json_body
from route_limits import per_user
from services import presence, profiles


@api.get("/me")
@login_required
def me():
    return jsonify({"user": current_user.to_public()})


@api.patch("/me")
@per_user(budgets.SETTINGS_WRITE)
@login_required
def update_me():
    """The profile fields sent are changed; the others keep their value."""
    body = json_body()
    user = profiles.update_profile(
        current_user,
        body.get("display_name", current_user.display_name),
        body.get("bio", current_user.bio),
        body.get("avatar_color", current_user.avatar_color),
    )
    return jsonify({"user": user.to_public()})


@api.get("/me/presence")
@login_required
def my_presence():
    return jsonify({"presence": presence.snapshot(current_user.id)})


@api.post("/me/presence")
@per_user(budgets.PRESENCE)
@login_required
def set_my_presence():
    """`presence:set` for clients without a socket: the same rule, the same budget."""
    return jsonify({"presence": presence.set_status(current_user.id, json_body())})

"""The signed-in account."""

from flask import jsonify
from flask_login import current_user, login_required

from blueprints.api import api
from services import presence


@api.get("/me")
@login_required
def me():
    return jsonify({"user": current_user.to_public()})


@api.get("/me/presence")
@login_required
def my_presence():
    return jsonify({"presence": presence.snapshot(current_user.id)})

"""The signed-in account."""

from flask import jsonify
from flask_login import current_user, login_required

from blueprints.api import api


@api.get("/me")
@login_required
def me():
    return jsonify({"user": current_user.to_public()})

"""Announcements over JSON: everyone signed in reads the current ones; admins post and
withdraw them."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from request_body import json_fields
from route_limits import per_user
from services import announcements


@api.get("/announcements")
@login_required
def announcements_current():
    found = announcements.current()
    return jsonify({"announcements": [announcements.to_dict(a) for a in found]})


@api.post("/announcements/<int:announcement_id>/dismiss")
@per_user(budgets.ANNOUNCEMENT_DISMISS)
@login_required
def announcement_dismiss(announcement_id: int):
    announcements.dismiss(current_user, announcement_id)
    return "", 204


@api.post("/admin/announcements")
@per_user(budgets.ANNOUNCEMENT)
@login_required
def admin_announcement_post():
    posted = announcements.post(current_user, *json_fields("body", "expires_at", "hours"))
    return jsonify({"announcement": announcements.to_dict(posted)}), 201


@api.delete("/admin/announcements/<int:announcement_id>")
@per_user(budgets.ANNOUNCEMENT)
@login_required
def admin_announcement_withdraw(announcement_id: int):
    announcements.withdraw(current_user, announcement_id)
    return "", 204

"""Announcements over JSON: everyone signed in reads the current ones; admins post and
withdraw them."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from request_body import json_fields
from route_limits import user_action
from services import announcements


@api.get("/announcements")
@login_required
def announcements_current():
    found = announcements.current()
    return jsonify({"announcements": [announcements.to_dict(a) for a in found]})


@user_action(
    api, "POST", "/announcements/<int:announcement_id>/dismiss", budgets.ANNOUNCEMENT_DISMISS
)
def announcement_dismiss(announcement_id: int):
    announcements.dismiss(current_user, announcement_id)
    return "", 204


@user_action(api, "POST", "/admin/announcements", budgets.ANNOUNCEMENT)
def admin_announcement_post():
    posted = announcements.post(current_user, *json_fields("body", "expires_at", "hours"))
    return jsonify({"announcement": announcements.to_dict(posted)}), 201


@user_action(api, "DELETE", "/admin/announcements/<int:announcement_id>", budgets.ANNOUNCEMENT)
def admin_announcement_withdraw(announcement_id: int):
    announcements.withdraw(current_user, announcement_id)
    return "", 204

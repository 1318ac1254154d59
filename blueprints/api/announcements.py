"""Announcements over JSON: everyone signed in reads the current ones; admins post and
withdraw them."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action
from request_body import json_fields
from services import announcements


@api.get("/announcements")
@login_required
def announcements_current():
    found = announcements.current()
    return jsonify({"announcements": [announcements.to_dict(a) for a in found]})


@action("POST", "/announcements/<int:announcement_id>/dismiss", budgets.ANNOUNCEMENT_DISMISS)
def announcement_dismiss(announcement_id: int):
    announcements.dismiss(current_user, announcement_id)


@action("POST", "/admin/announcements", budgets.ANNOUNCEMENT, status=201)
def admin_announcement_post():
    posted = announcements.post(current_user, *json_fields("body", "expires_at", "hours"))
    return {"announcement": announcements.to_dict(posted)}


@action("DELETE", "/admin/announcements/<int:announcement_id>", budgets.ANNOUNCEMENT)
def admin_announcement_withdraw(announcement_id: int):
    announcements.withdraw(current_user, announcement_id)

"""Announcements over JSON: everyone signed in reads the current ones; admins post and
withdraw them."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action, plain_action
from request_body import json_fields
from services import announcements

ANNOUNCEMENT = "/announcements/<int:announcement_id>"


@api.get("/announcements")
@login_required
def announcements_current():
    found = announcements.current()
    return jsonify({"announcements": [announcements.to_dict(a) for a in found]})


plain_action("POST", f"{ANNOUNCEMENT}/dismiss", budgets.ANNOUNCEMENT_DISMISS, announcements.dismiss)


@action("POST", "/admin/announcements", budgets.ANNOUNCEMENT, status=201)
def admin_announcement_post():
    posted = announcements.post(current_user, *json_fields("body", "expires_at", "hours"))
    return {"announcement": announcements.to_dict(posted)}


plain_action("DELETE", f"/admin{ANNOUNCEMENT}", budgets.ANNOUNCEMENT, announcements.withdraw)

"""Reports and moderation over JSON. Everything under /admin/ is for moderators and
admins; to everyone else it does not exist (404)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action
from request_body import json_body, json_fields, query_int
from services import moderation, moderation_reports


@action("POST", "/reports", budgets.REPORT, status=201)
def report_create():
    subject_type, subject_id, reason, note, token = json_fields(
        "subject_type", "subject_id", "reason", "note", "token"
    )
    entry = moderation_reports.report(
        current_user, subject_type, subject_id, reason, note or "", token
    )
    return {"report": moderation_reports.report_dict(entry)}


@api.get("/admin/reports")
@login_required
def admin_reports():
    found = moderation_reports.reports(current_user, request.args.get("status", "open"))
    return jsonify(
        {
            "reports": [moderation_reports.report_dict(r) for r in found],
            "open_count": moderation_reports.open_count(),
        }
    )


@action("POST", "/admin/reports/<int:report_id>/resolve", budgets.MODERATION)
def admin_resolve(report_id: int):
    action, note = json_fields("action", "note")
    entry = moderation_reports.resolve(current_user, report_id, action, note)
    return {"report": moderation_reports.report_dict(entry)}


@action("POST", "/admin/users/<username>/ban", budgets.MODERATION)
def admin_ban(username: str):
    body = json_body()
    user = moderation.ban(current_user, username, body.get("reason"), body.get("expires_at"))
    return {"user": user.to_public(), "banned_until": body.get("expires_at")}


@action("DELETE", "/admin/users/<username>/ban", budgets.MODERATION)
def admin_unban(username: str):
    return {"user": moderation.unban(current_user, username).to_public()}


@action("POST", "/admin/users/<username>/mute", budgets.MODERATION)
def admin_mute(username: str):
    minutes, conversation_id = json_fields("minutes", "conversation_id")
    return moderation.mute(current_user, username, minutes, conversation_id)


@action("POST", "/admin/users/<username>/warn", budgets.MODERATION)
def admin_warn(username: str):
    moderation.warn(current_user, username, json_body().get("text"))


@action("POST", "/admin/users/<username>/role", budgets.MODERATION)
def admin_role(username: str):
    user = moderation.set_role(current_user, username, json_body().get("role"))
    return {"user": user.to_public()}


@action("DELETE", "/admin/messages/<int:message_id>", budgets.MODERATION)
def admin_remove_message(message_id: int):
    moderation.remove_message(current_user, message_id, request.args.get("reason", ""))


@action("POST", "/admin/parties/<int:party_id>/end", budgets.MODERATION)
def admin_end_party(party_id: int):
    moderation.end_party(current_user, party_id, json_body().get("reason", ""))


@action("POST", "/admin/rooms/<int:conversation_id>/close", budgets.MODERATION)
def admin_close_room(conversation_id: int):
    moderation.close_room(current_user, conversation_id, json_body().get("reason", ""))


@api.get("/admin/audit")
@login_required
def admin_audit():
    entries = moderation.audit_log(current_user, limit=query_int("limit", 500, 100))
    return jsonify({"entries": [moderation.audit_dict(e) for e in entries]})

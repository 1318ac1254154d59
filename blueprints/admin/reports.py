"""The report queue and deciding a report."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import budgets
from blueprints.admin.base import act, bp
from request_body import query_choice
from route_limits import per_user
from services import moderation, moderation_reports, moderation_views

DECISIONS = {
    "dismiss": "Dismiss",
    "warn": "Warn who is responsible",
    "remove": "Remove it",
    "ban": "Ban who is responsible",
}
DECIDED = {
    "dismiss": "dismissed",
    "warn": "warned who is responsible",
    "remove": "removed",
    "ban": "banned who is responsible",
}


@bp.get("/reports")
def reports():
    status = query_choice("status", ("open", "resolved"))
    views = moderation_views.report_views(moderation_reports.reports(current_user, status))
    answerable = [view["responsible"]["id"] for view in views if view["responsible"]]
    outranked = moderation.outranked_owners(current_user, answerable)
    for view in views:
        # What staff made or did a moderator can only dismiss: only admins act on staff.
        view["staffs"] = bool(view["responsible"]) and view["responsible"]["id"] in outranked
        # A person cannot be removed, only warned or banned.
        view["decisions"] = {
            name: label
            for name, label in DECISIONS.items()
            if not (name == "remove" and view["subject_type"] == "user")
            and not (view["staffs"] and name != "dismiss")
        }
    return render_template(
        "admin/reports.html",
        status=status,
        reports=views,
        open_count=moderation_reports.open_count(),
        decisions=DECISIONS,
    )


@bp.post("/reports/<int:report_id>/resolve")
@per_user(budgets.MODERATION)
def resolve(report_id: int):
    action = request.form.get("action", "")
    note = request.form.get("note", "")
    if act(lambda: moderation_reports.resolve(current_user, report_id, action, note)):
        flash(f"Report #{report_id} is resolved: {DECIDED.get(action, action)}.", "success")
    return redirect(url_for("admin.reports"))

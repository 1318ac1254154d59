"""Reporting from where the thing is: a form for a message, a person, a room, a group or
a party, and the reporter's own list of what they reported and what became of it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from errors import NotFound, ServiceError
from route_limits import user_action
from services import moderation_reports

bp = Blueprint("reports", __name__)

# What can be reported, in the address: anything else is not found.
SUBJECT = f"<any({', '.join(moderation_reports.SUBJECTS)}):subject_type>"


def _form(subject_type: str, subject_id: int, token: str | None, status: int = 200, **extra):
    about = moderation_reports.describe_subject(current_user, subject_type, subject_id, token)
    return render_template(
        "reports/new.html",
        subject_type=subject_type,
        subject_id=subject_id,
        token=token,
        about=about,
        reasons=moderation_reports.REASONS,
        **extra,
    ), status


@bp.get(f"/report/{SUBJECT}/<int:subject_id>")
@login_required
def new(subject_type: str, subject_id: int):
    """`?token=`: the link that let the reporter see it (an unlisted playlist's)."""
    return _form(subject_type, subject_id, request.args.get("token"))


@user_action(bp, "POST", f"/report/{SUBJECT}/<int:subject_id>", budgets.REPORT)
def create(subject_type: str, subject_id: int):
    reason, note = request.form.get("reason", ""), request.form.get("note", "")
    token = request.form.get("token") or None
    try:
        if reason not in moderation_reports.REASONS:
            raise ServiceError("Pick what is wrong.", field="reason")
        moderation_reports.report(current_user, subject_type, subject_id, reason, note, token)
    except NotFound:
        raise
    except ServiceError as error:
        return _form(subject_type, subject_id, token, 400, error=error, chosen=reason, note=note)
    flash("Thank you. The moderators will look at it; you can follow it here.", "success")
    return redirect(url_for("reports.mine"))


@bp.get("/reports")
@login_required
def mine():
    return render_template(
        "reports/mine.html",
        reports=moderation_reports.my_reports(current_user),
        labels=moderation_reports.LABELS,
    )

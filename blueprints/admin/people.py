"""People: finding an account, its page with its history, and the actions on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import budgets
from blueprints.admin.base import ROLES, act, bp, duration, utc
from blueprints.admin.overview import audit_views
from blueprints.confirm import not_yet_sure
from errors import ServiceError
from models.clock import iso
from models.user import User
from request_body import whole_number
from route_limits import per_user
from services import accounts, moderation, moderation_views, profiles

NEWEST_USERS = 20


@bp.get("/users")
def users():
    query = request.args.get("q", "").strip()
    error = None
    found: list[User] = []
    if query:
        try:
            found = profiles.search(current_user, query)
        except ServiceError as problem:
            error = problem.message
        # The people search leaves out whoever blocked the viewer; staff find them by name.
        exact = accounts.find_by_username(query) if len(query) <= 64 else None
        if exact is not None and exact not in found:
            found.insert(0, exact)
    else:
        found = moderation_views.newest_accounts(current_user, NEWEST_USERS)
    return render_template("admin/users.html", query=query, found=found, error=error)


@bp.get("/users/<username>")
def user(username: str):
    person = accounts.get_by_username(username)
    history = moderation.user_history(current_user, person.username)
    return render_template(
        "admin/user.html",
        person=person,
        online=moderation_views.online(person.id),
        entries=audit_views(history),
        may_act=moderation.may_act_on(current_user, person),
        mute_max=moderation.MUTE_MAX_MINUTES,
        reason_max=moderation.REASON_MAX,
    )


def _account_action(action: str) -> Callable[[Callable], Callable]:
    """Register a moderator's `action` on one account: a POST to
    /admin/users/<username>/<action>, under the moderation budget."""

    def register(view: Callable) -> Callable:
        return bp.post(f"/users/<username>/{action}")(per_user(budgets.MODERATION)(view))

    return register


@_account_action("warn")
def warn(username: str):
    if act(lambda: moderation.warn(current_user, username, request.form.get("text", ""))):
        flash(f"{username} is warned; they see it in their notifications.", "success")
    return _back_to(username)


@_account_action("mute")
def mute(username: str):
    minutes = whole_number(request.form.get("minutes", "").strip())
    if minutes is None:
        flash("Give the mute in whole minutes (0 lifts it).", "error")
        return _back_to(username)
    if act(lambda: moderation.mute(current_user, username, minutes)):
        if minutes:
            flash(f"{username} is muted site-wide for {duration(minutes)}.", "success")
        else:
            flash(f"{username} may post again.", "success")
    return _back_to(username)


@_account_action("ban")
def ban(username: str):
    raw = request.form.get("expires_at", "").strip()
    expires_at = None
    if raw:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            flash("Give the end of the ban as a date and time, or leave it empty.", "error")
            return _back_to(username)
        # The form's date and time are in UTC, as the page says.
        expires_at = iso(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment)
    reason = request.form.get("reason", "")
    back = url_for("admin.user", username=username)
    detail = "Banning signs them out everywhere at once."
    if page := not_yet_sure(f"Ban {username}?", f"Ban {username}", back, detail):
        return page
    if act(lambda: moderation.ban(current_user, username, reason, expires_at)):
        until = f" until {utc(expires_at)}" if expires_at else " until it is lifted"
        flash(f"{username} is banned{until} and signed out everywhere.", "success")
    return _back_to(username)


@_account_action("unban")
def unban(username: str):
    if act(lambda: moderation.unban(current_user, username)):
        flash(f"The ban on {username} is lifted.", "success")
    return _back_to(username)


@_account_action("role")
def role(username: str):
    wanted = request.form.get("role", "")
    if act(lambda: moderation.set_role(current_user, username, wanted)):
        flash(f"{username} is now {ROLES.get(wanted, wanted).lower()}.", "success")
    return _back_to(username)


def _back_to(username: str):
    if accounts.find_by_username(username) is None:
        return redirect(url_for("admin.users"))
    return redirect(url_for("admin.user", username=username.lower()))

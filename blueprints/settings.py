"""Settings: profile, avatar, notification preferences, password, one's status, and
one's account: its data, its devices and tokens, its deletion."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import orjson
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

import budgets
from blueprints.auth import safe_next
from blueprints.htmx_responses import int_or_raw, is_htmx
from errors import ServiceError
from route_limits import token_write_limit, user_action
from services import account_data, accounts, api_tokens, notifications, presence, profiles

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("")
@login_required
def index(status: int = 200, errors: dict | None = None, profile: Mapping | None = None):
    """The settings page; after a refused form, `errors` has that form's errors (by form,
    then field, as `_refused` words them) and `profile` what was typed in the profile."""
    user = current_user
    return (
        render_template(
            "settings/settings.html",
            errors=errors or {},
            profile=profile
            or {
                "display_name": user.display_name,
                "bio": user.bio,
                "avatar_color": user.avatar_color,
            },
            colors=range(profiles.AVATAR_COLORS),
            kinds=notifications.LABELS,
            muted=notifications.muted_kinds(user.id),
            # This browser first, then the others by when they were last used.
            sign_ins=sorted(
                (
                    accounts.sign_in_dict(sign_in, user.login_id)
                    for sign_in in accounts.sign_ins_of(user)
                ),
                key=lambda shown: not shown["current"],
            ),
            tokens=[api_tokens.token_dict(token) for token in api_tokens.tokens_of(user)],
        ),
        status,
    )


def _refused(form: str, error: ServiceError) -> dict:
    """One form's error, beside the field the service named (or above the form)."""
    return {form: {error.field or "form": error.message}}


def _submitted(form: str, change: Callable[[], object], done: str, typed: Mapping | None = None):
    """One settings form: once `change` is done, back to the page saying `done`; if the
    service refuses it, the page again with the error beside its field (and `typed`, what
    was typed in the profile)."""
    try:
        change()
    except ServiceError as error:
        return index(400, _refused(form, error), typed)
    flash(done, "success")
    return redirect(url_for("settings.index"))


@user_action(bp, "POST", "/profile", budgets.SETTINGS_WRITE)
def profile():
    form = request.form
    return _submitted(
        "profile",
        lambda: profiles.update_profile(
            current_user,
            form.get("display_name", ""),
            form.get("bio", ""),
            int_or_raw(form.get("avatar_color", "0")),
        ),
        "Your profile is saved.",
        form,
    )


@user_action(bp, "POST", "/avatar", budgets.AVATAR_UPLOAD)
def avatar():
    upload = request.files.get("avatar")
    if request.form.get("remove"):
        profiles.remove_avatar(current_user)
        flash("Your avatar is back to your initials.", "success")
    elif upload is None or not upload.filename:
        flash("Choose an image to upload.", "error")
    else:
        try:
            profiles.set_avatar(current_user, upload.stream)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash("Your new avatar is up.", "success")
    return redirect(url_for("settings.index"))


@user_action(bp, "POST", "/notifications", budgets.SETTINGS_WRITE)
def notification_preferences():
    wanted = set(notifications.KINDS) - set(request.form.getlist("enabled"))
    notifications.set_muted_kinds(current_user.id, wanted)
    flash("Notification preferences saved.", "success")
    return redirect(url_for("settings.index"))


@user_action(bp, "POST", "/password", budgets.SETTINGS_WRITE)
def password():
    done = "Password changed. Other sessions and tokens are signed out."
    return _submitted("password", _change_password, done)


def _change_password() -> None:
    form = request.form
    accounts.change_password(
        current_user,
        form.get("current_password", ""),
        form.get("new_password", ""),
        keep_login_id=current_user.login_id,
        confirm=form.get("confirm", ""),
    )
    # Every other session and token has ended; this one signs in afresh, as the same
    # sign-in (a cookie with the new epoch and the same sign-in key), so its open pages
    # stay connected and logging out closes them. A browser kept signed in stays so: its
    # remember-me cookie is made again with the new epoch.
    remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
    login_user(current_user._get_current_object(), remember=remembered)


@user_action(bp, "POST", "/status", budgets.PRESENCE)
def status():
    """The navigation's status control: with htmx it swaps itself in place, without JS
    the browser posts and comes back to the page it was on."""
    back = safe_next(request.form.get("next"))
    payload: dict = {"status": request.form.get("status"), "auto": request.form.get("auto") == "1"}
    if "text" in request.form:
        payload["text"] = request.form["text"]
    if is_htmx():
        mine = presence.set_status(current_user.id, payload)
        return render_template("partials/status_control.html", mine=mine, back=back)
    try:
        presence.set_status(current_user.id, payload)
    except ServiceError as error:
        flash(error.message, "error")
    return redirect(back)


@bp.app_context_processor
def _my_status() -> dict:
    """The navigation's status control, read only when a page shows it."""

    def mine() -> dict | None:
        if current_user and current_user.is_authenticated:
            return presence.mine(current_user.id)
        return None

    return {"my_status": mine, "idle_seconds": current_app.config["PRESENCE_IDLE_SECONDS"]}


@user_action(bp, "GET", "/export", budgets.ACCOUNT_EXPORT)
def export():
    """Everything the account holds, as a JSON file to keep."""
    data = orjson.dumps(account_data.export(current_user), option=orjson.OPT_INDENT_2)
    response = Response(data, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="tandem-{current_user.username}.json"'
    )
    return response


@bp.post("/sessions/<session_id>/revoke")
@token_write_limit  # ending a sign-in draws on the allowance of revoking a token
@login_required
def end_session(session_id: str):
    this_one = session_id == current_user.login_id
    accounts.end_sign_in_of(current_user, session_id)  # someone else's: 404
    if this_one:
        logout_user()
        flash("You are signed out.", "info")
        return redirect(url_for("main.home"))
    flash("That browser is signed out.", "success")
    return redirect(url_for("settings.index") + "#devices-title")


@bp.post("/tokens/<int:token_id>/revoke")
@token_write_limit
@login_required
def revoke_token(token_id: int):
    api_tokens.revoke_token_of(current_user, token_id)  # someone else's: 404
    flash("The token is revoked.", "success")
    return redirect(url_for("settings.index") + "#tokens-title")


@user_action(bp, "POST", "/delete", budgets.ACCOUNT_DELETE)
def delete_account():
    try:
        account_data.delete_account(
            current_user._get_current_object(), request.form.get("password", "")
        )
    except ServiceError as error:
        return index(400, _refused("delete", error))
    # The sign-in is gone with the account: /signed-out says so and forgets it.
    return redirect(url_for("auth.signed_out"))

"""Account pages: register, log in, log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from errors import ServiceError
from route_limits import login_ip_limit, login_username_limit, registration_limit, token_write_limit
from services import accounts

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.home")


def _sign_in(user, remember: bool = False) -> None:
    session.pop("account_deleted", None)
    session.pop("banned_sign_in", None)
    _new_form_token()
    accounts.start_sign_in(user, request.user_agent.string)
    login_user(user, remember=remember)


def _new_form_token() -> None:
    """A form token from before a sign-in or sign-out (known to whoever used this
    browser before, or set its cookie) is not the next person's: the next page makes a
    new one (Flask-WTF keeps the raw token in the session, and the signed one in `g`)."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def _form_page(template: str, error: ServiceError | None = None):
    """A sign-in or sign-up page: blank, or again with why not (the service's error beside
    its field, or above the form) and what the person typed, but the passwords."""
    errors = {error.field or "form": error.message} if error else {}
    return render_template(template, errors=errors, values=request.form), 400 if error else 200


@bp.route("/register", methods=["GET", "POST"])
@registration_limit
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if request.method == "GET":
        return _form_page("auth/register.html")
    form = request.form
    try:
        user = accounts.register(
            form.get("username", ""), form.get("password", ""), confirm=form.get("confirm", "")
        )
    except ServiceError as error:
        return _form_page("auth/register.html", error)
    _sign_in(user)
    flash(f"Welcome to Tandem, {user.username}!", "success")
    return redirect(url_for("main.home"))


@bp.route("/login", methods=["GET", "POST"])
@login_ip_limit
@login_username_limit
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    if request.method == "GET":
        return _form_page("auth/login.html")
    form = request.form
    try:
        user = accounts.sign_in_with(form.get("username", ""), form.get("password", ""))
    except ServiceError as error:
        return _form_page("auth/login.html", error)
    _sign_in(user, remember=form.get("remember", "") not in ("", "false"))
    flash(f"Signed in as {user.username}.", "success")
    return redirect(safe_next(request.args.get("next")))


@bp.get("/signed-out")
def signed_out():
    """Where an open page goes when its sign-in ended elsewhere (a sign-out on another
    tab or device, a ban): says what happened, then forgets the dead sign-in (but for
    a deletion or a ban, which this browser's other tabs are told too)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    dead = session.get("_user_id") or session.get("banned_sign_in")
    why = accounts.why_signed_out(dead)
    if session.get("account_deleted"):
        why = {"reason": "deleted"}
    logout_user()  # drops the session's id and the remember-me cookie
    session.pop("banned_sign_in", None)
    if why["reason"] == "deleted":
        # A deletion is for good: this browser's next look (another tab, or the page that
        # asked at the same moment) still says so, until someone signs in here again.
        session["account_deleted"] = True
    elif why["reason"] == "banned":
        # Every open tab comes here when the ban lands: the ones after the first are told
        # the same, for as long as the ban holds.
        session["banned_sign_in"] = dead
    status = 403 if why["reason"] == "banned" else 200
    return render_template("auth/signed_out.html", why=why), status


@bp.route("/logout", methods=["GET", "POST"])
@token_write_limit  # ending a sign-in draws on the allowance of revoking a token
@login_required
def logout():
    """Logging out changes state, so it is a POST (with the CSRF token every cookie form
    carries); a GET asks first."""
    if request.method == "POST":
        accounts.sign_out(current_user.sign_in)
        logout_user()
        _new_form_token()
        flash("You are signed out.", "info")
        return redirect(url_for("main.home"))
    return render_template("auth/logout.html")

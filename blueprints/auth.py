"""Account pages: register, log in, log out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from errors import ServiceError
from route_limits import (
    login_ip_limit,
    login_username_limit,
    registration_limit,
    token_write_limit,
)
from services import accounts

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=accounts.PASSWORD_MAX)]
    )
    remember = BooleanField("Keep me signed in on this device")


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(min=3, max=accounts.USERNAME_MAX)],
        description="3 to 32 characters: letters, digits and underscores.",
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(min=accounts.PASSWORD_MIN, max=accounts.PASSWORD_MAX),
        ],
        description=f"At least {accounts.PASSWORD_MIN} characters.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


class LogoutForm(FlaskForm):
    """Logging out changes state, so it is a POST with a CSRF token."""


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.home")


def _sign_in(user, remember: bool = False) -> None:
    session.pop("account_deleted", None)
    accounts.start_sign_in(user, request.user_agent.string)
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@registration_limit
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(form.username.data, form.password.data)
        except ServiceError as error:
            field = getattr(form, error.field or "", None)
            (field.errors if field is not None else form.form_errors).append(error.message)
        else:
            _sign_in(user)
            flash(f"Welcome to Tandem, {user.username}!", "success")
            return redirect(url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@login_ip_limit
@login_username_limit
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except ServiceError as refusal:  # a banned account
            form.form_errors.append(refusal.message)
        else:
            if user is None:
                form.form_errors.append("Wrong username or password.")
            else:
                _sign_in(user, remember=form.remember.data)
                flash(f"Signed in as {user.username}.", "success")
                return redirect(safe_next(request.args.get("next")))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.get("/signed-out")
def signed_out():
    """Where an open page goes when its sign-in ended elsewhere (a sign-out on another
    tab or device, a ban): says what happened, then forgets the dead sign-in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    why = accounts.why_signed_out(session.get("_user_id"))
    if session.get("account_deleted"):
        why = {"reason": "deleted"}
    logout_user()  # drops the session's id and the remember-me cookie
    if why["reason"] == "deleted":
        # A deletion is for good: this browser's next look (another tab, or the page that
        # asked at the same moment) still says so, until someone signs in here again.
        session["account_deleted"] = True
    status = 403 if why["reason"] == "banned" else 200
    return render_template("auth/signed_out.html", why=why), status


@bp.route("/logout", methods=["GET", "POST"])
@token_write_limit  # ending a sign-in draws on the allowance of revoking a token
@login_required
def logout():
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        accounts.sign_out(current_user.sign_in)
        logout_user()
        flash("You are signed out.", "info")
        return redirect(url_for("main.home"))
    return render_template("auth/logout.html", form=form)

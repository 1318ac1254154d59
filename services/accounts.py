"""Accounts: registration, passwords, sign-in, roles and API tokens."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.security import check_password_hash, generate_password_hash

from errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationError
from extensions import db
from models.clock import as_utc, iso, utcnow
from models.driver_statements import DriverStatement
from models.read_connection import reading
from models.user import LoginSession, Role, User
from realtime.bus import bus
from services import api_tokens
from services.validation import filled, is_id, length_between

USERNAME_PATTERN = re.compile(r"[a-z0-9_]{3,32}")
USERNAME_MAX = 32
PASSWORD_MIN = 8
PASSWORD_MAX = 128
SIGN_IN_TOUCH_INTERVAL = timedelta(minutes=1)
SIGN_IN_KEY_MAX = 64
USER_AGENT_MAX = 200


def normalise_username(username: str) -> str:
    """Usernames are compared and stored lower-case."""
    return username.strip().lower()


# Names that would read as the site speaking: only accounts an operator makes for its
# staff (`flask users create NAME --role moderator`, say) may take them.
RESERVED_USERNAMES = frozenset(
    {"admin", "administrator", "moderator", "mod", "staff", "support", "system", "tandem", "root"}
    | {"official", "security", "help", "deleted", "deleted_account", "anonymous", "everyone"}
)


def validate_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise ValidationError(
            "Usernames are 3 to 32 characters: letters a-z, digits and underscores.",
            field="username",
        )
    return name


def validate_password(password: str, field: str = "password") -> str:
    return length_between(
        password, field, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX, what="Passwords"
    )


def _check_repeated(password: str, confirm: str | None) -> None:
    """A form's "repeat the password" field, when there is one, says the same."""
    if confirm is not None and confirm != password:
        raise ValidationError("The passwords differ.", field="confirm")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def register(
    username: str, password: str, role: Role = Role.USER, *, confirm: str | None = None
) -> User:
    """Create an account; a taken name (in any letter case) is a conflict. The sign-up
    page passes the repeated password as `confirm`."""
    name = validate_username(username)
    if role == Role.USER and name in RESERVED_USERNAMES:
        raise ValidationError(
            "That username is kept for the site's own accounts; pick another.",
            code="reserved",
            field="username",
        )
    validate_password(password)
    _check_repeated(password, confirm)
    if find_by_username(name) is not None:
        raise Conflict("That username is taken.", code="username_taken", field="username")
    user = User(username=name, password_hash=hash_password(password), role=role.value)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("That username is taken.", code="username_taken", field="username") from None
    return user


def find_by_username(username: str) -> User | None:
    """The live account of that name; a deleted account has no name any more."""
    return db.session.scalar(
        select(User).where(User.username == normalise_username(username), User.deleted_at.is_(None))
    )


def get_by_username(username: str) -> User:
    user = find_by_username(username)
    if user is None:
        raise NotFound("No such user.")
    return user


def find_by_id(user_id: object) -> User | None:
    return db.session.get(User, user_id) if is_id(user_id) else None


def get_by_id(user_id: object) -> User:
    user = find_by_id(user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def is_staff(user_id: int) -> bool:
    """A moderator or admin, as the account reads now."""
    user = find_by_id(user_id)
    return user is not None and user.is_moderator


# The account's columns, for a connection's first event: read on the driver's cursor, so
# that the event needs no session (through one, the read cost what a chat message's own
# statements do, and the message then took the session's slower path).
_ACCOUNT_KEYS = tuple(attribute.key for attribute in User.__mapper__.column_attrs)
_ACCOUNT = DriverStatement(
    select(*(getattr(User, key) for key in _ACCOUNT_KEYS)).where(User.id == bindparam("user_id"))
)


def connected_account(user_id: int) -> User:
    """The account behind a live connection, as it reads now: gone is unauthenticated,
    banned is refused (`code="banned"`). It comes in no session (detached): a connection
    keeps it between events, and the services it is handed to read its columns and write
    its id, never its relationships."""
    with reading() as connection:
        row = _ACCOUNT.first(connection, {"user_id": user_id})
    if row is None:
        raise Unauthenticated("This account no longer exists.")
    user = User(**dict(zip(_ACCOUNT_KEYS, row, strict=True)))
    make_transient_to_detached(user)
    if user.is_banned:
        raise Forbidden("This account is banned.", code="banned")
    return user


def load_session_user(session_id: str) -> User | None:
    """Resolve Flask-Login's stored id ("<user id>.<epoch>.<sign-in key>"): a stale epoch,
    or a sign-in that was ended or never started, is no sign-in. The user comes back with
    `sign_in` set."""
    parts = session_id.split(".")
    if len(parts) != 3:
        return None
    user_id, epoch, key = parts
    if not user_id.isdigit() or not epoch.isdigit() or not 0 < len(key) <= SIGN_IN_KEY_MAX:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_epoch != int(epoch) or user.is_banned or user.is_deleted:
        return None
    sign_in = db.session.get(LoginSession, api_tokens.secret_hash(key))
    if sign_in is None or sign_in.user_id != user.id or sign_in.revoked_at is not None:
        return None
    now = utcnow()
    if as_utc(sign_in.last_seen_at) + SIGN_IN_TOUCH_INTERVAL < now:
        sign_in.last_seen_at = now
        db.session.commit()
    sign_in.key = key
    user.sign_in = sign_in
    return user


def why_signed_out(session_id: str | None) -> dict[str, object]:
    """Why a browser's sign-in (Flask-Login's stored id) no longer works, to say it in
    words: the account was deleted, banned (with the moderator's reason and until when),
    or signed out."""
    user_id = (session_id or "").partition(".")[0]
    user = db.session.get(User, int(user_id)) if user_id.isdecimal() else None
    if user is not None and user.is_deleted:
        return {"reason": "deleted"}
    if user is not None and user.is_banned:
        return {"reason": "banned", "ban_reason": user.ban_reason, "until": iso(user.banned_until)}
    return {"reason": "signed_out"}


def authenticate(username: str, password: str) -> User | None:
    """The user with these credentials, or None. Costs one hash either way."""
    user = find_by_username(username) if len(username) <= USERNAME_MAX else None
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if user.is_banned:
        raise Forbidden(_ban_message(user), code="banned")
    return user


def sign_in_with(username: str, password: str) -> User:
    """The account a sign-in form names, or why not in words: a field left empty, wrong
    credentials (`Unauthenticated`, no field: which one is wrong is not said), a ban."""
    filled(username, "username")
    filled(password, "password")
    length_between(password, "password", min_length=0, max_length=PASSWORD_MAX, what="Passwords")
    user = authenticate(username, password)
    if user is None:
        raise Unauthenticated("Wrong username or password.", code="invalid_credentials")
    return user


def _ban_message(user: User) -> str:
    until = f" until {iso(user.banned_until)}" if user.banned_until else ""
    return f"This account is banned{until}."


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("tandem_dummy_hash", {})
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in cache:
        cache[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return cache[method]


def change_password(
    user: User,
    current: str,
    new: str,
    keep_login_id: str | None = None,
    *,
    confirm: str | None = None,
) -> None:
    """Set a new password, once the current one is typed again (and the new one repeated
    as `confirm`, from the settings page); every session and every token stops working,
    and their live connections close everywhere, except those of the sign-in
    `keep_login_id` (the one that made the change, which the caller signs in afresh)."""
    filled(current, "current_password")
    validate_password(new, "new_password")
    _check_repeated(new, confirm)
    if not check_password_hash(user.password_hash, current):
        raise ValidationError("The current password is wrong.", field="current_password")
    user.password_hash = hash_password(new)
    _end_all_sessions(user, keep_login_id)
    bus.close_connections(user.id, keep_login_id=keep_login_id)
    db.session.commit()


def _end_all_sessions(user: User, keep_login_id: str | None) -> None:
    user.session_epoch += 1
    now = utcnow()
    for token in user.tokens:
        if token.revoked_at is None:
            token.revoked_at = now
    revoke_sign_ins(user.id, now, keep_login_id)


def revoke_sign_ins(user_id: int, now: datetime, keep_login_id: str | None = None) -> None:
    """Mark every browser sign-in of the user ended (but `keep_login_id`), in the caller's
    transaction. The epoch bump beside it is what refuses their cookies; this keeps the
    records true."""
    query = update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)
    )
    if keep_login_id is not None:
        query = query.where(LoginSession.id != keep_login_id)
    db.session.execute(query.values(revoked_at=now))


def set_role(username: str, role: str) -> User:
    try:
        new_role = Role(role)
    except ValueError:
        raise ValidationError(
            f"Role must be one of {', '.join(r.value for r in Role)}.", field="role"
        ) from None
    user = get_by_username(username)
    user.role = new_role.value
    bus.account_changed(user.id)
    db.session.commit()
    return user


def start_sign_in(user: User, user_agent: str = "") -> LoginSession:
    """Record a new browser sign-in and attach it to `user`, so that Flask-Login's id for
    the user (`User.get_id`) carries its key."""
    key = secrets.token_urlsafe(32)
    sign_in = LoginSession(
        id=api_tokens.secret_hash(key), user_id=user.id, user_agent=user_agent[:USER_AGENT_MAX]
    )
    db.session.add(sign_in)
    db.session.commit()
    sign_in.key = key
    user.sign_in = sign_in
    return sign_in


def sign_ins_of(user: User) -> list[LoginSession]:
    """The user's browser sign-ins still in force, most recently used first."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.created_at.desc())
        )
    )


def sign_in_dict(sign_in: LoginSession, current_login_id: str | None = None) -> dict[str, object]:
    return {
        "id": sign_in.id,
        "user_agent": sign_in.user_agent,
        "created_at": iso(sign_in.created_at),
        "last_seen_at": iso(sign_in.last_seen_at),
        "current": sign_in.id == current_login_id,
    }


def end_sign_in_of(user: User, sign_in_id: object) -> None:
    """End one of the user's own browser sign-ins (its open pages go to /signed-out);
    anyone else's, or one already ended, is not found."""
    sign_in = None
    if isinstance(sign_in_id, str) and len(sign_in_id) == 64:
        sign_in = db.session.get(LoginSession, sign_in_id)
    if sign_in is None or sign_in.user_id != user.id or sign_in.revoked_at is not None:
        raise NotFound("No such session.")
    sign_out(sign_in)


def sign_out(sign_in: LoginSession | None) -> None:
    """End one browser sign-in: every copy of its cookies stops working, and its live
    connections close everywhere."""
    if sign_in is None:
        return
    sign_in.revoked_at = utcnow()
    bus.close_connections(sign_in.user_id, login_id=sign_in.id)
    db.session.commit()

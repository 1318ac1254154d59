"""Accounts and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.clock import as_utc, iso, utcnow
from models.columns import moment_column

DELETED_NAME = "Deleted account"


class Role(enum.StrEnum):
    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"


STAFF_ROLES = (Role.MODERATOR.value, Role.ADMIN.value)


def ban_in_force(banned_at: datetime | None, banned_until: datetime | None) -> bool:
    """A ban without an end, or one whose end has not come: the rule for an account's
    columns wherever they were read."""
    return banned_at is not None and (banned_until is None or as_utc(banned_until) > utcnow())


def has_expired(expires_at: datetime | None) -> bool:
    return expires_at is not None and as_utc(expires_at) <= utcnow()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case: usernames are unique case-insensitively.
    username: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.USER.value)
    # Bumped to sign the user out of every session at once (password change, ban).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = moment_column()
    # Profile
    display_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    bio: Mapped[str] = mapped_column(String(280), default="", server_default="")
    avatar_color: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    avatar_file: Mapped[str | None] = mapped_column(String(64))
    # Moderation: a ban (until a time, or for good when banned_at is set and until is None)
    # and a site-wide mute.
    banned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    banned_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ban_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    muted_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the person deleted their account: the row stays as a tombstone, so what
    # others need (messages, parties, reports) still points at it, but nothing personal.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Not a column: the browser sign-in this object was loaded through, or has just
    # started, in this request (set by services.accounts).
    sign_in = None

    def get_id(self) -> str:
        """Flask-Login's id, kept in the session and remember-me cookies:
        "<user id>.<session epoch>.<sign-in key>". Bumping the epoch ends every sign-in
        at once; revoking a LoginSession ends that one."""
        key = self.sign_in.key if self.sign_in is not None else ""
        return f"{self.id}.{self.session_epoch}.{key}"

    @property
    def login_id(self) -> str | None:
        """The name of this request's browser sign-in, which its live connections carry."""
        return self.sign_in.id if self.sign_in is not None else None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_banned(self) -> bool:
        return ban_in_force(self.banned_at, self.banned_until)

    @property
    def is_muted(self) -> bool:
        return self.muted_until is not None and as_utc(self.muted_until) > utcnow()

    @property
    def is_moderator(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def shown_name(self) -> str:
        if self.is_deleted:
            return DELETED_NAME
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        words = self.shown_name.replace("_", " ").split()
        letters = "".join(word[0] for word in words[:2]) or self.username[:2]
        return letters.upper()

    def to_public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "avatar": self.avatar(),
            "created_at": iso(self.created_at),
        }

    def to_summary(self) -> dict[str, object]:
        """The short form used inside other objects (an actor, a sender). A deleted
        account says so: `"deleted": true` and the display name "Deleted account"."""
        if self.is_deleted:
            return {
                "id": self.id,
                "username": self.username,
                "display_name": DELETED_NAME,
                "deleted": True,
            }
        return {"id": self.id, "username": self.username, "display_name": self.display_name}

    def avatar(self) -> dict[str, object]:
        if self.avatar_file:
            return {"kind": "image", "url": f"/media/avatars/{self.avatar_file}"}
        return {"kind": "initials", "initials": self.initials, "color": self.avatar_color}


class ApiToken(db.Model):
    """A bearer token for scripts and bots. Only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = moment_column()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # None: the token lasts until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def is_expired(self) -> bool:
        return has_expired(self.expires_at)


class LoginSession(db.Model):
    """One browser sign-in. Its random key travels in the signed session and remember-me
    cookies; only the key's SHA-256 is stored, as the id, so checking a cookie is one
    primary-key lookup and revoking the row ends every copy of those cookies."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = moment_column()
    last_seen_at: Mapped[datetime] = moment_column()
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Not a column: the raw key, known only where a cookie carried it or it was just made.
    key = None

"""API tokens: bearer tokens for scripts and low-JS clients, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload

from errors import NotFound, ValidationError
from extensions import db
from models.clock import as_utc, iso, utcnow
from models.driver_statements import DriverStatement
from models.read_connection import reading
from models.user import ApiToken, User, ban_in_force, has_expired
from realtime.bus import bus
from realtime.user_caches import UserKeyedCache
from services.validation import is_id

TOKEN_PREFIX = "tdm_"  # noqa: S105  (marks Tandem tokens in logs and scanners)
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
TOKEN_LIFETIME_MAX = 365 * 24 * 3600  # seconds: the longest `expires_in` a new token takes
# Built once: every request with a token asks it. One query for the token and its account.
_LIVE_TOKEN = (
    select(ApiToken)
    .options(joinedload(ApiToken.user))
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


class TokenInForce(NamedTuple):
    """What a connection needs of a token in force: whose it is, its last use, and when
    it stops working."""

    id: int
    user_id: int
    last_used_at: datetime | None
    expires_at: datetime | None = None


# Tokens found in force, by hash (`token_in_force`). The bound is for a change no control
# message names; every change that ends a token sends one.
TOKEN_CACHE_SECONDS = 30.0
_in_force: UserKeyedCache[str, TokenInForce] = UserKeyedCache(TOKEN_CACHE_SECONDS, 50_000)

# Built once, run on the driver's cursor: every Socket.IO handshake, long-poll and event
# stream with a token asks it, and needs the ids, not the account's entity.
_TOKEN_IN_FORCE = DriverStatement(
    select(
        ApiToken.id,
        ApiToken.user_id,
        ApiToken.last_used_at,
        ApiToken.expires_at,
        User.banned_at,
        User.banned_until,
        User.deleted_at,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def secret_hash(raw: str) -> str:
    """How a random secret is stored: API tokens here, sign-in keys in accounts."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_lifetime(value: object) -> int | None:
    """A new token's `expires_in`: whole seconds, 60 up to a year, or None (no expiry)."""
    if value is None:
        return None
    if not is_id(value) or not 60 <= value <= TOKEN_LIFETIME_MAX:
        raise ValidationError(
            f"'expires_in' must be a whole number of seconds from 60 to {TOKEN_LIFETIME_MAX}.",
            field="expires_in",
        )
    return value


def issue_token(user: User, expires_in: int | None = None) -> str:
    """A new bearer token for `user`, lasting `expires_in` seconds (None: until revoked;
    checked with `token_lifetime`). The raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=expires_in) if expires_in is not None else None
    db.session.add(ApiToken(user_id=user.id, token_hash=secret_hash(raw), expires_at=expires_at))
    db.session.commit()
    return raw


def _may_be_token(raw: str) -> bool:
    return raw.startswith(TOKEN_PREFIX) and len(raw) <= 128


def token_record(raw: str) -> ApiToken | None:
    """The live token record for a raw bearer token, with its account, or None. Its use
    is recorded."""
    if not _may_be_token(raw):
        return None
    token = db.session.scalar(_LIVE_TOKEN, {"token_hash": secret_hash(raw)})
    if token is None or token.is_expired or token.user.is_banned or token.user.is_deleted:
        return None
    record_use(token)
    return token


def token_in_force(raw: str, *, join_session: bool = False) -> TokenInForce | None:
    """The same check as `token_record`'s, for a caller that needs only whose token it
    is; its use is the caller's to note (`use_is_due`). Read through the session when
    `join_session` (a caller that reads more there next: a handshake), else outside any
    unit of work (`reading`: a long-poll opens no session).

    A token found in force is kept per process (`_in_force`) until a control message
    about its owner (a revocation, an expiry's sweep, a ban, a deletion: every change
    that ends a token sends one) or `TOKEN_CACHE_SECONDS`; its own expiry is checked at
    every use. A kept token whose use is due is handed out once as due: its caller notes
    the use, and the next ones find it noted."""
    if not _may_be_token(raw):
        return None
    token_hash = secret_hash(raw)
    kept = _in_force.get(token_hash)
    if kept is not None:
        if has_expired(kept.expires_at):
            return None
        if use_is_due(kept):
            _in_force.replace(token_hash, _noted(kept))
        return kept
    read_at = _in_force.reading()
    with reading(join_session=join_session) as connection:
        row = _TOKEN_IN_FORCE.first(connection, {"token_hash": token_hash})
    if row is None:
        return None
    token_id, user_id, last_used_at, expires_at, banned_at, banned_until, deleted_at = row
    if has_expired(expires_at) or ban_in_force(banned_at, banned_until) or deleted_at is not None:
        return None
    found = TokenInForce(token_id, user_id, last_used_at, expires_at)
    _in_force.keep(token_hash, user_id, _noted(found) if use_is_due(found) else found, read_at)
    return found


def _noted(token: TokenInForce) -> TokenInForce:
    """The kept copy of a token handed out as due: its caller notes the use now."""
    return token._replace(last_used_at=utcnow())


def use_is_due(token: ApiToken | TokenInForce) -> bool:
    """Whether the token's use is to be noted: `last_used_at` moves at most once a
    `TOKEN_TOUCH_INTERVAL`."""
    last = token.last_used_at
    return last is None or as_utc(last) + TOKEN_TOUCH_INTERVAL < utcnow()


def record_use(token: ApiToken | TokenInForce) -> None:
    """Note the token's use in `last_used_at`, if due, and commit."""
    if use_is_due(token):
        record_uses([token.id], utcnow())


def record_uses(token_ids: Collection[int], when: datetime) -> None:
    """Note that these tokens were used at `when` (never moving `last_used_at` back), in
    one UPDATE statement rather than the unit of work's flush, and commit."""
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id.in_(token_ids),
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < when),
        )
        .values(last_used_at=when)
        # The commit below expires what the session holds: nothing to bring up to date.
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def revoke_token(token: ApiToken) -> None:
    """Revoke a token; its open sockets and streams close on every worker."""
    token.revoked_at = utcnow()
    bus.close_connections(token.user_id, token_id=token.id)
    db.session.commit()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens still in force (not revoked, not expired), newest first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            )
            .order_by(ApiToken.id.desc())
        )
    )


def revoke_token_of(user: User, token_id: object) -> None:
    """Revoke one of the user's own tokens; anyone else's, or a spent one, is not found."""
    token = db.session.get(ApiToken, token_id) if is_id(token_id) else None
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("No such token.")
    revoke_token(token)


def token_dict(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.id,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "expires_at": iso(token.expires_at),
    }


def next_expiry_in() -> float | None:
    """Seconds until the next token in force expires; None when none will."""
    now = utcnow()
    soonest = db.session.scalar(
        select(func.min(ApiToken.expires_at)).where(
            ApiToken.revoked_at.is_(None), ApiToken.expires_at > now
        )
    )
    return None if soonest is None else (as_utc(soonest) - now).total_seconds()


def expire_tokens() -> int:
    """Mark tokens whose time is up as revoked and close their live connections on every
    worker (housekeeping). Each is claimed with a conditional update, so workers
    sweeping at once close it once."""
    now = utcnow()
    due = db.session.execute(
        select(ApiToken.id, ApiToken.user_id).where(
            ApiToken.revoked_at.is_(None), ApiToken.expires_at <= now
        )
    ).all()
    expired = 0
    for token_id, user_id in due:
        claimed = db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        if claimed:
            bus.close_connections(user_id, token_id=token_id)
            expired += 1
    db.session.commit()
    return expired

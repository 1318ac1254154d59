"""The per-process cache of tokens in force (`api_tokens.token_in_force`): a token found in
force is not read again, and every change that ends it (a revocation, an expiry, a ban,
a deletion) ends it at once, through the control message the change sends. Each test
reads a token first, so that it is kept, and checks it is kept by changing its row behind
the cache's back (no control message): only a kept token still passes then."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import update

from extensions import db
from models.clock import utcnow
from models.user import ApiToken, Role
from realtime import user_caches
from realtime.user_caches import UserKeyedCache
from services import account_data, api_tokens, moderation
from tests.conftest import PASSWORD


def kept(raw: str) -> api_tokens.TokenInForce:
    """The token, read so that it is kept, and checked to be kept."""
    found = api_tokens.token_in_force(raw)
    assert found is not None
    assert api_tokens.secret_hash(raw) in api_tokens._in_force
    return found


def revoked_behind_the_caches_back(token_id: int) -> None:
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow()))
    db.session.commit()


@pytest.fixture
def ann(user_factory):
    return user_factory("ann")


def test_a_kept_token_is_not_read_again_until_its_bound(app, ann, monkeypatch):
    raw = api_tokens.issue_token(ann)
    token = kept(raw)
    revoked_behind_the_caches_back(token.id)
    still = api_tokens.token_in_force(raw)
    assert still is not None
    assert (still.id, still.user_id) == (token.id, ann.id)
    assert api_tokens.token_record(raw) is None  # the database says otherwise

    later = api_tokens._in_force.seconds + 1
    clock = user_caches.time.monotonic
    monkeypatch.setattr(user_caches.time, "monotonic", lambda: clock() + later)
    assert api_tokens.token_in_force(raw) is None


def test_revoking_ends_a_kept_token_at_once(app, ann):
    raw = api_tokens.issue_token(ann)
    api_tokens.revoke_token_of(ann, kept(raw).id)
    assert api_tokens.token_in_force(raw) is None
    assert api_tokens.token_in_force(raw, join_session=True) is None


def test_a_kept_token_ends_at_its_expiry(app, ann, monkeypatch):
    raw = api_tokens.issue_token(ann, 60)
    kept(raw)
    now = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr("models.user.utcnow", lambda: now)
    assert api_tokens.token_in_force(raw) is None


def test_the_expiry_sweep_ends_a_kept_token_at_once(app, ann):
    raw = api_tokens.issue_token(ann, 60)
    token = kept(raw)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert api_tokens.expire_tokens() == 1
    assert api_tokens.secret_hash(raw) not in api_tokens._in_force


def test_a_ban_ends_every_kept_token_of_the_account_at_once(app, ann, user_factory):
    moderator = user_factory("mod", role=Role.MODERATOR)
    first, second = api_tokens.issue_token(ann), api_tokens.issue_token(ann)
    other = api_tokens.issue_token(moderator)
    for raw in (first, second, other):
        kept(raw)
    moderation.ban(moderator, "ann", "spam")
    assert api_tokens.token_in_force(first) is None
    assert api_tokens.token_in_force(second) is None
    assert api_tokens.token_in_force(other) is not None


def test_deleting_the_account_ends_a_kept_token_at_once(app, ann):
    raw = api_tokens.issue_token(ann)
    kept(raw)
    account_data.delete_account(ann, PASSWORD)
    assert api_tokens.token_in_force(raw) is None


def test_a_kept_tokens_use_is_due_once_a_minute(app, ann, monkeypatch):
    raw = api_tokens.issue_token(ann)
    assert api_tokens.use_is_due(kept(raw))  # never used: the caller notes it
    assert not api_tokens.use_is_due(api_tokens.token_in_force(raw))

    now = utcnow() + api_tokens.TOKEN_TOUCH_INTERVAL + timedelta(seconds=1)
    monkeypatch.setattr(api_tokens, "utcnow", lambda: now)
    assert api_tokens.use_is_due(api_tokens.token_in_force(raw))
    assert not api_tokens.use_is_due(api_tokens.token_in_force(raw))


def test_a_token_read_while_its_owner_was_forgotten_is_not_kept(app, ann, monkeypatch):
    raw = api_tokens.issue_token(ann)
    statement = api_tokens._TOKEN_IN_FORCE
    read = statement.first

    def racing_read(*args, **kwargs):
        row = read(*args, **kwargs)
        user_caches.forget_user(ann.id)  # a control message applied while the read waited
        return row

    monkeypatch.setattr(statement, "first", racing_read)
    assert api_tokens.token_in_force(raw) is not None
    assert api_tokens.secret_hash(raw) not in api_tokens._in_force


def test_binding_an_app_forgets_every_kept_token(app, ann):
    from realtime.bus import bus

    kept(api_tokens.issue_token(ann))
    bus.init_app(app)
    assert api_tokens._in_force._entries == {}


def test_the_cache_keeps_at_most_its_size_the_oldest_going_first():
    cache: UserKeyedCache[str, int] = UserKeyedCache(60, max_entries=2)
    for key, user in (("a", 1), ("b", 2), ("c", 1)):
        cache.keep(key, user, ord(key), cache.reading())
    assert ("a" in cache, cache.get("b"), cache.get("c")) == (False, 98, 99)
    cache.forget_user(1)
    assert (cache.get("b"), cache.get("c")) == (98, None)
    assert cache._keys_of == {2: {"b"}}


def test_a_forked_process_starts_with_no_kept_token(app, ann):
    kept(api_tokens.issue_token(ann))
    child = os.fork()
    if child == 0:  # the child: it never heard the control messages since the fork
        os._exit(0 if api_tokens._in_force._entries == {} else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert api_tokens._in_force._entries != {}  # the parent keeps its own

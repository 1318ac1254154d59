"""Account rules in the service layer."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from errors import Conflict, NotFound, Unauthenticated, ValidationError
from extensions import db
from models.clock import utcnow
from models.user import ApiToken, Role
from services import accounts, api_tokens
from tests.conftest import PASSWORD


def test_register_stores_lowercase_name_and_a_scrypt_hash(app):
    user = accounts.register("Alice_1", PASSWORD)
    assert user.username == "alice_1"
    assert user.role == "user"
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("name", ["ab", "a" * 33, "bad name", "bad-name", "émile", "<b>x</b>", ""])
def test_register_rejects_bad_usernames(app, name):
    with pytest.raises(ValidationError) as caught:
        accounts.register(name, PASSWORD)
    assert caught.value.field == "username"


@pytest.mark.parametrize("password", ["short", "1234567", "x" * 129])
def test_register_rejects_bad_passwords(app, password):
    with pytest.raises(ValidationError) as caught:
        accounts.register("bob", password)
    assert caught.value.field == "password"


def test_usernames_are_unique_case_insensitively(app):
    accounts.register("carol", PASSWORD)
    with pytest.raises(Conflict) as caught:
        accounts.register("CAROL", PASSWORD)
    assert caught.value.code == "username_taken"


def test_authenticate_checks_the_password(app, user_factory):
    user = user_factory("dave")
    assert accounts.authenticate("dave", PASSWORD) == user
    assert accounts.authenticate("DAVE", PASSWORD) == user
    assert accounts.authenticate("dave", "wrong password") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    assert accounts.authenticate("x" * 500, PASSWORD) is None


def test_tokens_are_stored_hashed_and_revocable(app, user_factory):
    user = user_factory("erin")
    raw = api_tokens.issue_token(user)
    stored = db.session.scalars(select(ApiToken)).one()
    assert raw.startswith("tdm_")
    assert len(raw) > 40
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in stored.token_hash
    assert api_tokens.token_record(raw).user == user
    assert stored.last_used_at is not None

    api_tokens.revoke_token(stored)
    assert api_tokens.token_record(raw) is None
    assert api_tokens.token_record("tdm_" + "x" * 43) is None
    assert api_tokens.token_record("not-a-token") is None


def test_session_ids_carry_the_epoch_and_a_live_sign_in(app, user_factory):
    user = user_factory("frank")
    sign_in = accounts.start_sign_in(user, "Firefox")
    session_id = user.get_id()
    key = sign_in.key
    assert session_id == f"{user.id}.0.{key}"
    assert sign_in.id == hashlib.sha256(key.encode()).hexdigest()
    assert key not in sign_in.id
    assert accounts.load_session_user(session_id) == user
    assert user.login_id == sign_in.id
    assert accounts.load_session_user(f"{user.id}.99.{key}") is None
    assert accounts.load_session_user(f"{user.id}.0") is None
    assert accounts.load_session_user(f"{user.id}.0.{key}x") is None
    assert accounts.load_session_user("garbage") is None
    assert accounts.load_session_user("") is None

    accounts.sign_out(sign_in)
    assert accounts.load_session_user(session_id) is None


def test_password_change_ends_sessions_and_tokens(app, user_factory):
    user = user_factory("grace")
    kept = accounts.start_sign_in(user)
    other = accounts.start_sign_in(user)
    old_session = user.get_id()
    raw = api_tokens.issue_token(user)
    accounts.change_password(user, PASSWORD, "a brand new password", keep_login_id=kept.id)
    assert accounts.load_session_user(old_session) is None
    assert other.revoked_at is not None
    assert kept.revoked_at is None
    user.sign_in = kept
    assert accounts.load_session_user(user.get_id()) == user
    assert api_tokens.token_record(raw) is None
    assert accounts.authenticate("grace", "a brand new password") == user


def test_password_change_needs_the_current_password(app, user_factory):
    user = user_factory("heidi")
    with pytest.raises(ValidationError) as caught:
        accounts.change_password(user, "not my password", "a brand new password")
    assert caught.value.field == "current_password"


def test_set_role(app, user_factory):
    user_factory("ivan")
    assert accounts.set_role("ivan", "moderator").is_moderator
    assert accounts.set_role("IVAN", "admin").is_admin
    with pytest.raises(ValidationError):
        accounts.set_role("ivan", "superuser")
    with pytest.raises(NotFound):
        accounts.set_role("nobody", "admin")


def test_roles_are_user_moderator_admin():
    assert [role.value for role in Role] == ["user", "moderator", "admin"]


def test_the_forms_rules_live_in_the_service(app):
    user = accounts.register("hana", PASSWORD)
    with pytest.raises(ValidationError) as differ:
        accounts.register("hana_2", PASSWORD, confirm="not the same")
    assert differ.value.field == "confirm"
    with pytest.raises(ValidationError) as blank:
        accounts.sign_in_with("hana", "")
    assert (blank.value.field, blank.value.message) == ("password", "This field is required.")
    with pytest.raises(Unauthenticated) as wrong:
        accounts.sign_in_with("hana", "not the password")
    assert wrong.value.field is None
    assert accounts.sign_in_with("HANA", PASSWORD) == user
    with pytest.raises(ValidationError) as short:
        accounts.change_password(user, PASSWORD, "short", confirm="short")
    assert short.value.field == "new_password"
    with pytest.raises(ValidationError) as repeated:
        accounts.change_password(user, PASSWORD, "a long new one", confirm="a long new two")
    assert repeated.value.field == "confirm"
    assert accounts.authenticate("hana", PASSWORD) == user


@pytest.mark.parametrize(
    ("case", "in_force"),
    [
        ("as issued", True),
        ("revoked", False),
        ("expired", False),
        ("owner banned", False),
        ("owner's ban over", True),
        ("owner deleted", False),
    ],
)
def test_a_handshake_and_a_request_judge_a_token_alike(app, user_factory, case, in_force):
    """The handshake's check reads columns on the driver's cursor, a request's loads the
    token and its account: both refuse the same tokens."""
    user = user_factory("ivan")
    raw = api_tokens.issue_token(user, 3600)
    token = db.session.scalars(select(ApiToken)).one()
    now = utcnow()
    if case == "revoked":
        token.revoked_at = now
    elif case == "expired":
        token.expires_at = now - timedelta(seconds=1)
    elif case == "owner banned":
        user.banned_at, user.banned_until = now, now + timedelta(hours=1)
    elif case == "owner's ban over":
        user.banned_at, user.banned_until = now - timedelta(hours=2), now - timedelta(hours=1)
    elif case == "owner deleted":
        user.deleted_at = now
    db.session.commit()

    facts = api_tokens.token_in_force(raw)
    assert (facts is not None) is in_force
    assert (api_tokens.token_in_force(raw, join_session=True) is not None) is in_force
    assert (api_tokens.token_record(raw) is not None) is in_force
    if in_force:
        assert (facts.id, facts.user_id) == (token.id, user.id)


def test_a_handshake_refuses_what_is_not_a_token(app):
    assert api_tokens.token_in_force("tdm_" + "x" * 43) is None
    assert api_tokens.token_in_force("not-a-token") is None
    assert api_tokens.token_in_force("tdm_" + "x" * 200) is None

"""The `users` command group."""

from __future__ import annotations

from services import accounts


def test_create_user_with_role(runner):
    result = runner.invoke(
        args=["users", "create", "Mod_1", "--role", "moderator", "--password", "long enough pw"]
    )
    assert result.exit_code == 0, result.output
    assert "Created mod_1 (moderator)." in result.output
    assert accounts.authenticate("mod_1", "long enough pw").role == "moderator"


def test_create_user_prompts_for_password(runner):
    result = runner.invoke(
        args=["users", "create", "quiet"], input="long enough pw\nlong enough pw\n"
    )
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("quiet", "long enough pw") is not None


def test_create_user_explains_bad_input(runner, user_factory):
    user_factory("taken")
    result = runner.invoke(args=["users", "create", "taken", "--password", "long enough pw"])
    assert result.exit_code != 0
    assert "That username is taken." in result.output
    result = runner.invoke(args=["users", "create", "x", "--password", "long enough pw"])
    assert "3 to 32 characters" in result.output


def test_set_role(runner, user_factory):
    user_factory("promoted")
    result = runner.invoke(args=["users", "set-role", "promoted", "admin"])
    assert result.exit_code == 0, result.output
    assert accounts.find_by_username("promoted").is_admin
    result = runner.invoke(args=["users", "set-role", "nobody", "admin"])
    assert result.exit_code != 0
    assert "No such user." in result.output
    result = runner.invoke(args=["users", "set-role", "promoted", "king"])
    assert result.exit_code != 0

"""The signed-in account: profile, presence, its data, its sign-ins and tokens."""

from flask import g, jsonify
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action, token_write_action
from request_body import json_body
from services import account_data, accounts, api_tokens, presence, profiles
from services.validation import string


@api.get("/me")
@login_required
def me():
    return jsonify({"user": current_user.to_public()})


@action("PATCH", "/me", budgets.SETTINGS_WRITE)
def update_me():
    """The profile fields sent are changed; the others keep their value."""
    body = json_body()
    user = profiles.update_profile(
        current_user,
        body.get("display_name", current_user.display_name),
        body.get("bio", current_user.bio),
        body.get("avatar_color", current_user.avatar_color),
    )
    return {"user": user.to_public()}


@api.get("/me/presence")
@login_required
def my_presence():
    return jsonify({"presence": presence.snapshot(current_user.id)})


@action("POST", "/me/presence", budgets.PRESENCE)
def set_my_presence():
    """`presence:set` for clients without a socket: the same rule, the same budget."""
    return {"presence": presence.set_status(current_user.id, json_body())}


@action("DELETE", "/me", budgets.ACCOUNT_DELETE)
def delete_me():
    """Delete the account; the body confirms it with the password."""
    password = string(json_body(), "password", max_length=accounts.PASSWORD_MAX, strip=False)
    account_data.delete_account(current_user._get_current_object(), password)


@action("GET", "/me/export", budgets.ACCOUNT_EXPORT)
def export_me():
    return account_data.export(current_user)


@api.get("/me/sessions")
@login_required
def my_sessions():
    return jsonify(
        {
            "sessions": [
                accounts.sign_in_dict(sign_in, current_user.login_id)
                for sign_in in accounts.sign_ins_of(current_user)
            ]
        }
    )


@token_write_action("DELETE", "/me/sessions/<session_id>")
def end_my_session(session_id: str):
    accounts.end_sign_in_of(current_user, session_id)


@api.get("/me/tokens")
@login_required
def my_tokens():
    this = g.get("api_token")
    return jsonify(
        {
            "tokens": [
                {
                    **api_tokens.token_dict(token),
                    "current": this is not None and token.id == this.id,
                }
                for token in api_tokens.tokens_of(current_user)
            ]
        }
    )


@token_write_action("DELETE", "/me/tokens/<int:token_id>")
def revoke_my_token(token_id: int):
    api_tokens.revoke_token_of(current_user, token_id)

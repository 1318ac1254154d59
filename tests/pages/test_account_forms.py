"""The sign-in, sign-up and settings forms: plain markup from the shared field macros,
their rules in the account service, errors beside the field, what was typed kept (but
never a password)."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD, csrf_token, log_in
from tests.support.pages import post, signed_in


def field(html: str, name: str) -> str:
    """The input (or textarea) named `name`."""
    match = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html)
    assert match, f"no field {name}"
    return match.group(0)


def test_a_wrong_password_keeps_the_username_and_drops_the_password(client, user_factory):
    user_factory("wendy")
    response = log_in(client, "Wendy", "not the password", remember="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<div class="form-errors" role="alert">' in html
    assert 'value="Wendy"' in field(html, "username")
    assert 'value=""' in field(html, "password")
    assert "not the password" not in html
    assert "checked" in field(html, "remember")


def test_an_empty_sign_in_field_is_named_beside_it(client):
    response = log_in(client, "", "")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    username = field(html, "username")
    assert 'aria-invalid="true"' in username
    assert 'aria-describedby="username-error"' in username
    assert '<p class="error" id="username-error">This field is required.</p>' in html


def test_sign_up_keeps_the_name_and_says_which_field_is_wrong(client):
    response = client.post(
        "/register",
        data={
            "username": "new_xena",
            "password": PASSWORD,
            "confirm": "something else",
            "csrf_token": csrf_token(client),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="new_xena"' in field(html, "username")
    assert 'aria-describedby="confirm-error"' in field(html, "confirm")
    assert PASSWORD not in html
    assert 'autocomplete="new-password"' in field(html, "password")
    assert 'minlength="8"' in field(html, "password")


def test_a_refused_profile_keeps_what_was_typed(logged_in_client):
    response = post(
        logged_in_client,
        "/settings/profile",
        display_name="A" * 65,
        bio="About me",
        avatar_color="5",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-describedby="display_name-error"' in field(html, "display_name")
    assert ">About me</textarea>" in html
    assert re.search(r'<input id="avatar_color-5"[^>]*checked', html)


def test_the_new_password_is_repeated_and_the_current_one_typed(logged_in_client):
    differ = post(
        logged_in_client,
        "/settings/password",
        current_password=PASSWORD,
        new_password="a new long password",
        confirm="another long password",
    )
    assert differ.status_code == 400
    html = differ.get_data(as_text=True)
    assert '<p class="error" id="confirm-error">The passwords differ.</p>' in html
    assert "a new long password" not in html
    empty = post(
        logged_in_client,
        "/settings/password",
        current_password="",
        new_password="a new long password",
        confirm="a new long password",
    )
    assert empty.status_code == 400
    assert 'aria-describedby="current_password-error"' in field(
        empty.get_data(as_text=True), "current_password"
    )
    # Nothing changed: the old password still signs in.
    signed_in(logged_in_client.application, "alice")


def test_a_wrong_password_does_not_delete_the_account(logged_in_client):
    response = post(logged_in_client, "/settings/delete", password="not it at all")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<p class="error" id="password-error">The password is wrong.</p>' in html
    assert "@alice" in logged_in_client.get("/").get_data(as_text=True)

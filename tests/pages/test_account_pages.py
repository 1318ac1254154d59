"""The settings page's account controls: signed-in browsers, API tokens, the data
download and deleting the account, all as plain forms that work without JavaScript."""

from __future__ import annotations

import re

from flask import g

from models.user import LoginSession
from services import accounts, api_tokens, conversations
from tests.conftest import PASSWORD, csrf_token, log_in
from tests.support.messages import sent_message


def browser_of(app, username: str):
    browser = app.test_client()
    g.pop("csrf_token", None)
    assert log_in(browser, username).status_code == 302
    return browser


def token_of(browser) -> str:
    g.pop("csrf_token", None)
    return csrf_token(browser)


def test_settings_lists_browsers_and_tokens(app, user_factory):
    ann = user_factory("ann")
    browser = browser_of(app, "ann")
    browser_of(app, "ann")
    api_tokens.issue_token(ann, 3600)
    page = browser.get("/settings", headers={"User-Agent": "Mozilla/5.0 (X11; Linux) Firefox/130"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="device"') == 3  # two browsers, one token
    assert html.count("This browser") == 1
    assert "Token " in html
    assert "expires" in html
    assert 'href="/settings/export"' in html
    assert 'action="/settings/delete"' in html
    assert 'class="button danger">Delete my account' in html
    assert 'autocomplete="current-password"' in html


def test_export_downloads_a_json_file(app, user_factory):
    ann, _bob = user_factory("ann"), user_factory("bob")
    direct = conversations.open_direct(ann, "bob")
    sent_message(ann, direct.id, "my words")
    response = browser_of(app, "ann").get("/settings/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="tandem-ann.json"'
    data = response.get_json()
    assert data["profile"]["username"] == "ann"
    assert [m["body"] for m in data["messages"]] == ["my words"]


def test_ending_another_browser_signs_it_out(app, user_factory):
    ann = user_factory("ann")
    here = browser_of(app, "ann")
    there = browser_of(app, "ann")
    listed = there.get("/api/v1/me/sessions").get_json()["sessions"]
    (other,) = [s for s in listed if s["current"]]
    response = here.post(
        f"/settings/sessions/{other['id']}/revoke", data={"csrf_token": token_of(here)}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings#devices-title")
    assert there.get("/settings").status_code == 302
    assert there.get("/api/v1/me").status_code == 401
    assert here.get("/settings").status_code == 200
    assert other["id"] not in [s.id for s in accounts.sign_ins_of(ann)]


def test_ending_this_browser_signs_out_here(app, user_factory):
    user_factory("ann")
    here = browser_of(app, "ann")
    (mine,) = here.get("/api/v1/me/sessions").get_json()["sessions"]
    response = here.post(
        f"/settings/sessions/{mine['id']}/revoke", data={"csrf_token": token_of(here)}
    )
    assert response.status_code == 302
    assert here.get("/api/v1/me").status_code == 401


def test_revoking_a_token_from_the_page(app, client, user_factory):
    ann = user_factory("ann")
    raw = api_tokens.issue_token(ann)
    (token,) = api_tokens.tokens_of(ann)
    browser = browser_of(app, "ann")
    response = browser.post(
        f"/settings/tokens/{token.id}/revoke", data={"csrf_token": token_of(browser)}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_delete_with_a_wrong_password_says_so(app, user_factory):
    user_factory("ann")
    browser = browser_of(app, "ann")
    response = browser.post(
        "/settings/delete", data={"csrf_token": token_of(browser), "password": "wrong one!"}
    )
    assert response.status_code == 400
    assert "The password is wrong." in response.get_data(as_text=True)
    assert browser.get("/api/v1/me").status_code == 200


def test_delete_signs_out_everywhere_and_others_see_a_deleted_account(app, user_factory):
    ann, _bob = user_factory("ann"), user_factory("bob")
    direct = conversations.open_direct(ann, "bob")
    sent_message(ann, direct.id, "remember the film")
    browser = browser_of(app, "ann")
    elsewhere = browser_of(app, "ann")
    friend = browser_of(app, "bob")

    response = browser.post(
        "/settings/delete", data={"csrf_token": token_of(browser), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/signed-out"
    page = browser.get("/signed-out")
    assert "Your account was deleted" in page.get_data(as_text=True)
    # A second look from the same browser (another tab asking at once) says the same.
    assert "Your account was deleted" in browser.get("/signed-out").get_data(as_text=True)
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert "Your account was deleted" in elsewhere.get("/signed-out").get_data(as_text=True)
    assert LoginSession.query.filter_by(user_id=ann.id).count() == 0

    chat = friend.get(f"/conversations/{direct.id}").get_data(as_text=True)
    assert "remember the film" in chat
    sender = re.search(r'<span class="message-sender">([^<]*)</span>', chat)
    assert sender is not None
    assert sender.group(1) == "Deleted account"
    assert "/u/deleted" not in chat
    g.pop("csrf_token", None)
    refused = log_in(app.test_client(), "ann")
    assert refused.status_code == 400
    assert "Wrong username or password." in refused.get_data(as_text=True)

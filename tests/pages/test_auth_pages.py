"""Account pages: forms, CSRF, sessions, redirects, and the base layout."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, csrf_token, log_in


def register(client, username="nina", password=PASSWORD, confirm=None, token=None):
    return client.post(
        "/register",
        data={
            "username": username,
            "password": password,
            "confirm": confirm if confirm is not None else password,
            "csrf_token": token if token is not None else csrf_token(client),
        },
    )


def test_home_says_what_tandem_is(client):
    page = client.get("/").get_data(as_text=True)
    assert "Watch together" in page
    assert 'href="/register"' in page
    assert 'href="/login"' in page


@pytest.mark.parametrize("path", ["/", "/login", "/register"])
def test_pages_render_with_layout_and_csrf_header(client, path):
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", page)
    assert 'name="viewport"' in page
    assert 'role="status"' in page
    assert "vendor/htmx.min.js" in page


def test_security_headers_on_pages(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_register_logs_in_and_flashes_welcome(client):
    response = register(client)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Welcome to Tandem, nina!" in page
    assert "@nina" in page


@pytest.mark.parametrize(
    ("username", "password", "confirm", "message"),
    [
        ("no spaces", PASSWORD, PASSWORD, "letters a-z, digits and underscores"),
        ("ok_name", "short", "short", "Passwords must be at least 8 characters."),
        ("ok_name", PASSWORD, "different password", "The passwords differ."),
    ],
)
def test_register_errors_are_shown_in_words(client, username, password, confirm, message):
    response = register(client, username, password, confirm)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page


def test_register_taken_name_is_explained(client, user_factory):
    user_factory("olga")
    response = register(client, "Olga")
    assert response.status_code == 400
    assert "That username is taken." in response.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(client, user_factory):
    user_factory("paul")
    assert register(client, "quinn", token="").status_code == 400
    response = client.post("/login", data={"username": "paul", "password": PASSWORD})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    response = client.post(
        "/login", data={"username": "paul", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_login_wrong_password_says_so(client, user_factory):
    user_factory("rita")
    response = log_in(client, "rita", "not the password")
    assert response.status_code == 400
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_login_then_logout(client, user_factory):
    user_factory("sam")
    assert log_in(client, "SAM").status_code == 302
    assert "@sam" in client.get("/").get_data(as_text=True)
    confirm = client.get("/logout")
    assert confirm.status_code == 200
    assert "Log out?" in confirm.get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "You are signed out." in page
    assert "@sam" not in page


def test_the_signed_out_page_leaves_a_logouts_message_to_the_logouts_own_page(client, user_factory):
    """Another tab of the browser that signed out comes to /signed-out, which says so
    itself: the logout's flashed message is not shown twice there, nor taken from the
    page the logout leads to."""
    user_factory("sam")
    assert log_in(client, "sam").status_code == 302
    assert client.post("/logout", data={"csrf_token": csrf_token(client)}).status_code == 302
    other_tab = client.get("/signed-out").get_data(as_text=True)
    assert other_tab.count("You are signed out") == 1  # the heading
    assert "You are signed out." in client.get("/").get_data(as_text=True)


def test_logout_needs_csrf(logged_in_client):
    assert logged_in_client.post("/logout").status_code == 400
    assert "@alice" in logged_in_client.get("/").get_data(as_text=True)


def test_remember_me_sets_a_long_lived_httponly_cookie(client, user_factory):
    user_factory("tina")
    response = log_in(client, "tina", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("tandem_remember="))
    assert "HttpOnly" in remember
    assert "Expires=" in remember


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/logout", "/logout"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_login_follows_only_local_next(client, user_factory, target, landing):
    user_factory("uri")
    response = client.post(
        "/login?next=" + target,
        data={"username": "uri", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == landing


def test_logged_out_visitor_is_sent_to_login(client):
    response = client.get("/logout")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_output_is_autoescaped(client, user_factory):
    response = client.get("/nothing<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_a_banned_persons_page_is_told_why_and_until_when(logged_in_client, user_factory):
    from models.user import Role
    from services import moderation

    admin = user_factory("boss", role=Role.ADMIN)
    moderation.ban(admin, "alice", "Posting other people's addresses", "2099-06-01T12:00:00Z")
    assert logged_in_client.get("/api/v1/me").status_code == 401
    page = logged_in_client.get("/signed-out")
    text = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "Your account is banned" in text
    assert "Posting other people&#39;s addresses" in text
    assert "01 Jun 2099, 12:00 UTC" in text
    # Another tab of this browser that looks next (they all come when the ban lands) is
    # told the same; once the ban is lifted, the next look is an ordinary signed-out one.
    other_tab = logged_in_client.get("/signed-out")
    assert other_tab.status_code == 403
    assert "Posting other people&#39;s addresses" in other_tab.get_data(as_text=True)
    moderation.unban(admin, "alice")
    again = logged_in_client.get("/signed-out")
    assert again.status_code == 200
    assert "You are signed out" in again.get_data(as_text=True)


def test_an_htmx_request_without_a_sign_in_navigates_the_whole_page(client):
    response = client.get("/conversations", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/signed-out"
    assert "<html" not in response.get_data(as_text=True)


def test_the_connection_check_is_in_the_footer_not_the_navigation(logged_in_client):
    page = logged_in_client.get("/").get_data(as_text=True)
    navigation = page[page.index("<nav") : page.index("</nav>")]
    footer = page[page.index('<footer class="site-footer">') :]
    assert 'href="/live"' not in navigation
    assert 'href="/live"' in footer
    assert "Check your connection" in footer

"""Attacks on the browser's defences and on the deployment: framing, sniffing, script
injection that a policy should stop, cookies readable by script or sent over plain HTTP,
a production site started without a secret, and a Redis password leaking into logs or
the readiness probe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from app import create_app
from config import ConfigError, load_config, redacted_url
from tests.conftest import PASSWORD, csrf_token, log_in, make_app
from tests.support.processes import PROJECT_ROOT, RedisServer, free_port
from tests.support.waiting import wait_until

SECRET = "k" * 64
REDIS_PASSWORD = "Tr0ub4dor-and-3-horses"


def directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def assert_script_policy_is_strict(policy: str) -> None:
    parsed = directives(policy)
    scripts = parsed.get("script-src", parsed.get("default-src"))
    assert scripts is not None, f"no script-src or default-src in {policy!r}"
    for loose in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:"):
        assert loose not in scripts, f"script-src allows {loose}: {policy!r}"
    assert "https:" not in scripts, f"script-src allows any https origin: {policy!r}"
    for attribute_handlers in ("script-src-attr", "script-src-elem"):
        assert "'unsafe-inline'" not in parsed.get(attribute_handlers, [])
    assert parsed.get("object-src") == ["'none'"]
    assert parsed.get("base-uri") in (["'self'"], ["'none'"])
    assert parsed.get("frame-ancestors") in (["'none'"], ["'self'"])


def assert_hardened(response) -> None:
    headers = response.headers
    assert_script_policy_is_strict(headers["Content-Security-Policy"])
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )
    assert headers["X-Frame-Options"] in ("DENY", "SAMEORIGIN")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def assert_no_inline_script(html: str, where: str) -> None:
    """A policy without 'unsafe-inline' would block these; their presence means a page
    is broken under its own policy or the policy was written around them."""
    assert not INLINE_SCRIPT.search(html), f"inline <script> on {where}"
    assert not INLINE_HANDLER.search(html), f"inline event handler attribute on {where}"
    assert not INLINE_JS_URL.search(html), f"javascript: URL on {where}"


# -- headers ----------------------------------------------------------------------------
def test_framing_sniffing_and_inline_script_are_refused_on_every_kind_of_response(
    client, user_factory, bearer
):
    anonymous = {
        "home": client.get("/"),
        "login page": client.get("/login"),
        "register page": client.get("/register"),
        "missing page": client.get("/no/such/page"),
        "JSON API error": client.get("/api/v1/me"),
        "health probe": client.get("/healthz"),
        "static file": client.get("/static/js/stream.js"),
    }
    assert anonymous["missing page"].status_code == 404
    assert anonymous["JSON API error"].status_code == 401
    for where, response in anonymous.items():
        assert_hardened(response)
        if response.mimetype == "text/html":
            assert_no_inline_script(response.get_data(as_text=True), where)

    user = user_factory("hdr_host")
    created = client.post(
        "/api/v1/parties",
        json={"title": "Policy", "media_url": "https://media.example/film.mp4"},
        headers=bearer(user),
    )
    assert created.status_code == 201, created.get_json()
    party_id = created.get_json()["party"]["id"]
    assert log_in(client, "hdr_host").status_code == 302
    signed_in = {
        "settings": client.get("/settings"),
        "conversations": client.get("/conversations"),
        "notifications": client.get("/notifications"),
        "profile": client.get("/u/hdr_host"),
        "live stream page": client.get("/live"),
        "party page": client.get(f"/parties/{party_id}"),
    }
    for where, response in signed_in.items():
        assert response.status_code == 200, where
        assert_hardened(response)
        assert_no_inline_script(response.get_data(as_text=True), where)
    # The party page widens media and frames for the players, never inline script.
    party_policy = directives(signed_in["party page"].headers["Content-Security-Policy"])
    assert "https://www.youtube.com" in party_policy["script-src"]


def test_the_event_stream_and_socket_endpoints_carry_the_headers_too(logged_in_client):
    response = logged_in_client.get("/api/v1/events?timeout=0")
    assert response.status_code == 200
    assert_hardened(response)


def test_no_strict_transport_security_over_plain_development_http(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


# -- production settings ------------------------------------------------------------------
def production_settings(tmp_path: Path, **environ: str) -> dict:
    return load_config(
        {"INSTANCE_PATH": str(tmp_path)},
        environ={"TANDEM_ENV": "production", "SECRET_KEY": SECRET, **environ},
    )


def test_production_profile_hardens_cookies_and_turns_debug_off(tmp_path):
    settings = production_settings(tmp_path)
    assert settings["ENV_NAME"] == "production"
    for cookie in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        assert settings[f"{cookie}_SECURE"] is True
        assert settings[f"{cookie}_HTTPONLY"] is True
        assert settings[f"{cookie}_SAMESITE"] in ("Lax", "Strict")
    assert settings["DEBUG"] is False
    assert settings["TESTING"] is False
    assert settings["PREFERRED_URL_SCHEME"] == "https"
    # A key from the environment is used as given; nothing is written beside it.
    assert settings["SECRET_KEY"] == SECRET
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("secret", [None, ""])
def test_production_without_secret_key_refuses_to_start(tmp_path, secret):
    environ = {"TANDEM_ENV": "production"}
    if secret is not None:
        environ["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, environ=environ)
    # The development fallback (a key file in the instance folder) is not used quietly.
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_debug_even_when_asked(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="DEBUG"):
        load_config(
            {"INSTANCE_PATH": str(tmp_path), "DEBUG": True},
            environ={"TANDEM_ENV": "production", "SECRET_KEY": SECRET},
        )
    # Flask's own switch in the environment does not turn the debugger on either.
    monkeypatch.setenv("FLASK_DEBUG", "1")
    (tmp_path / "instance").mkdir()
    app = make_app(tmp_path, ENV_NAME="production", SECRET_KEY=SECRET)
    assert app.debug is False
    assert app.config["DEBUG"] is False


def _process_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "TANDEM_ENV", "REDIS_URL", "DATABASE_URL")
    }
    env.update(extra)
    return env


@pytest.mark.parametrize("entry", ["app.py", "wsgi.py"])
def test_a_production_process_without_secret_key_exits_with_a_reason(tmp_path, entry):
    port = free_port()
    finished = subprocess.run(
        [sys.executable, entry],
        cwd=PROJECT_ROOT,
        env=_process_env(
            TANDEM_ENV="production",
            TANDEM_INSTANCE_PATH=str(tmp_path / "instance"),
            HOST="127.0.0.1",
            PORT=str(port),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "SECRET_KEY is not set" in finished.stderr
    assert not (tmp_path / "instance" / "secret_key").exists()


def cookie_header(response, name: str) -> str:
    found = [value for value in response.headers.getlist("Set-Cookie") if value.startswith(name)]
    assert found, f"no {name} cookie in {response.headers.getlist('Set-Cookie')}"
    return found[-1]


def assert_cookie_flags(header: str) -> None:
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert "secure" in attributes, header
    assert "httponly" in attributes, header
    assert "samesite=lax" in attributes or "samesite=strict" in attributes, header


def test_production_cookies_are_secure_httponly_and_samesite(tmp_path):
    (tmp_path / "instance").mkdir()
    app = make_app(tmp_path, ENV_NAME="production", SECRET_KEY=SECRET)
    from services import accounts

    with app.app_context():
        accounts.register("prod_user", PASSWORD)
    client = app.test_client()
    https = {"base_url": "https://tandem.example"}
    page = client.get("/login", **https)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert_cookie_flags(cookie_header(page, "tandem_session"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert token, "the login form carries no CSRF token"
    signed_in = client.post(
        "/login",
        data={
            "username": "prod_user",
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": token.group(1),
        },
        # Over HTTPS Flask-WTF also wants a same-site Referer.
        headers={"Referer": "https://tandem.example/login"},
        **https,
    )
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:500]
    assert_cookie_flags(cookie_header(signed_in, "tandem_session"))
    assert_cookie_flags(cookie_header(signed_in, "tandem_remember"))


def test_development_cookies_are_still_httponly_and_samesite(client, user_factory):
    user_factory("dev_user")
    csrf = csrf_token(client)
    response = client.post(
        "/login",
        data={"username": "dev_user", "password": PASSWORD, "remember": "y", "csrf_token": csrf},
    )
    assert response.status_code == 302
    for name in ("tandem_session", "tandem_remember"):
        attributes = [p.strip().lower() for p in cookie_header(response, name).split(";")[1:]]
        assert "httponly" in attributes
        assert "samesite=lax" in attributes


def test_a_session_is_read_with_the_keys_configured_now(app, logged_in_client):
    """The session cookie's signer is kept between requests, for as long as the keys
    it was made from are the ones configured."""
    assert logged_in_client.get("/settings").status_code == 200
    app.config["SECRET_KEY_FALLBACKS"] = [app.secret_key]
    app.secret_key = "a-new-key-" + "n" * 40
    assert logged_in_client.get("/settings").status_code == 200  # read with the fallback
    app.config["SECRET_KEY_FALLBACKS"] = []
    signed_out = logged_in_client.get("/settings")  # its key is no longer trusted
    assert signed_out.status_code == 302
    assert "/login" in signed_out.headers["Location"]


# -- the Redis password ------------------------------------------------------------------
AT_SIGN_PASSWORD = REDIS_PASSWORD.replace("-", "@")


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        (f"redis://:{REDIS_PASSWORD}@cache.local:6379/0", REDIS_PASSWORD),
        (f"redis://default:{REDIS_PASSWORD}@cache.local:6379/0", REDIS_PASSWORD),
        (
            f"rediss://default:{REDIS_PASSWORD}@cache.local:6380/0?ssl_cert_reqs=none",
            REDIS_PASSWORD,
        ),
        (f"redis://cache.local:6379/0?password={REDIS_PASSWORD}", REDIS_PASSWORD),
        (f"redis://cache.local:6379/0?db=1&password={REDIS_PASSWORD}&x=2", REDIS_PASSWORD),
        (f"redis://:{AT_SIGN_PASSWORD}@cache.local:6379/0", AT_SIGN_PASSWORD),
        ("redis://:pass?word/x@cache.local:6379/0", "pass?word/x"),
        (f"postgresql+psycopg://tandem:{REDIS_PASSWORD}@db.local/tandem", REDIS_PASSWORD),
    ],
)
def test_redacted_urls_keep_no_password(url, secret):
    shown = redacted_url(url)
    assert secret not in shown
    assert "***" in shown
    assert "cache.local" in shown or "db.local" in shown


@pytest.fixture
def password_redis(tmp_path):
    server = RedisServer(tmp_path, password=REDIS_PASSWORD).start()
    yield server
    server.stop()


def wait_for_status(url: str, status: int, timeout: float = 10) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(url, timeout=5)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


@pytest.mark.server
def test_redis_password_never_reaches_logs_or_readiness(server_factory, password_redis):
    from tests.support.clients import SocketClient, register

    good = server_factory(redis_url=password_redis.url)
    wrong_password = REDIS_PASSWORD[::-1]
    wrong = server_factory(redis_url=password_redis.url_with(wrong_password))

    ready = requests.get(good.url + "/readyz", timeout=5)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["redis"] == "ok"
    refused = requests.get(wrong.url + "/readyz", timeout=5)
    assert refused.status_code == 503
    assert refused.json()["failing"] == ["redis"]

    # Traffic through both workers, the one with the wrong password failing at every
    # Redis step: publishing, rate-limit counters, the Socket.IO queue.
    for server in (good, wrong):
        account = register(server.url)
        account.echo("hello", base=server.url)
        client = SocketClient(server.url).connect(auth={"token": account.token})
        assert client.call("time:ping", {})["ok"] is True
        client.close()

    # Then Redis goes away under the good worker too.
    password_redis.stop()
    down = wait_for_status(good.url + "/readyz", 503)
    assert down.status_code == 503
    account = register(good.url)
    account.echo("during the outage", base=good.url)
    wait_until(lambda: all("unreachable" in server.log() for server in (good, wrong)))
    # Time for the retries to log too (an absence check: the password is in none of it).
    time.sleep(1)

    bodies = [ready.text, refused.text, down.text]
    for server in (good, wrong):
        for path in ("/readyz", "/healthz"):
            bodies.append(requests.get(server.url + path, timeout=5).text)
    for body in bodies:
        assert REDIS_PASSWORD not in body
        assert wrong_password not in body
    for server in (good, wrong):
        log = server.log()
        assert ":***@127.0.0.1" in log, log[-2000:]  # the startup line names Redis, redacted
        assert REDIS_PASSWORD not in log, log
        assert wrong_password not in log, log
    for server in (good, wrong):
        assert "unreachable" in server.log()  # the failures were logged, redacted


def test_redis_password_stays_out_of_in_process_logs(tmp_path, caplog):
    """The same, for an app embedded in another server (gunicorn, tests): every logger."""
    import logging

    import budgets
    from extensions import db
    from realtime.bus import bus
    from realtime.ratelimit import socket_limiter

    caplog.set_level(logging.DEBUG)
    url = f"redis://:{REDIS_PASSWORD}@127.0.0.1:{free_port()}/0"
    # Not make_app: running the migrations reconfigures logging, and this test reads logs.
    app = create_app(
        {
            "ENV_NAME": "testing",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "REDIS_URL": url,
        }
    )
    with app.app_context():
        db.create_all()  # the event log, where the control message below is stored
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert REDIS_PASSWORD not in response.get_data(as_text=True)
        bus.close_connections(0)
        db.session.commit()
        assert socket_limiter.hit(budgets.TIME_PING, 1, "time:ping") is None
    assert "unreachable" in caplog.text
    assert REDIS_PASSWORD not in caplog.text

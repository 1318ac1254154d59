"""Revoked access must end live connections, not only future requests: a ban closes every
socket, SSE stream and long-poll of the account on every worker within two seconds;
logging out closes that sign-in's connections only; a password change ends every other
sign-in and every token, while the session that changed it keeps working."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import socketio

from tests.conftest import CSRF_IN_PAGE, migrate_database
from tests.support.clients import PASSWORD, Account, SocketClient, SSEReader, long_poll, register
from tests.support.metrics import samples, value
from tests.support.processes import RedisServer, ServerProcess
from tests.support.sign_in import form_signed_in
from tests.support.waiting import wait_until

pytestmark = pytest.mark.server

CLOSE_WITHIN = 2.0
NEW_PASSWORD = "a completely new password"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("revocation")


@pytest.fixture(scope="module")
def cluster(workdir):
    """Two workers sharing Redis and one SQLite file, for the whole module: every test
    makes its own accounts."""
    redis = RedisServer(workdir).start()
    database = f"sqlite:///{workdir / 'instance' / 'test.db'}"
    migrate_database(workdir, database)
    env = {
        "TANDEM_INSTANCE_PATH": str(workdir / "instance"),
        "DATABASE_URL": database,
        "REDIS_URL": redis.url,
        "REGISTRATION_RATE_LIMIT": "1000 per hour",
        "METRICS_LOOPBACK_ONLY": "1",  # the tests read how many long-polls wait
    }
    workers = []
    try:
        workers.extend(ServerProcess(workdir, env).start() for _ in range(2))
        yield workers
    finally:
        for worker in workers:
            worker.stop()
        redis.stop()


@dataclass
class Browser:
    """A signed-in browser: its cookies, and the CSRF token its pages carry."""

    base: str
    username: str
    http: requests.Session = field(default_factory=requests.Session)

    def sign_in(self, password: str = PASSWORD, remember: bool = False) -> Browser:
        form_signed_in(self.base, self.username, password, remember=remember, session=self.http)
        return self

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    def cookie_named(self, name: str) -> str:
        return f"{name}={self.http.cookies[name]}"

    def csrf(self, base: str | None = None) -> str:
        page = self.http.get((base or self.base) + "/", timeout=10).text
        match = CSRF_IN_PAGE.search(page)
        assert match, "the page carries no CSRF token"
        return match[1]

    def post_form(self, base: str, path: str, **data: str) -> requests.Response:
        return self.http.post(
            base + path,
            data={"csrf_token": self.csrf(base), **data},
            allow_redirects=False,
            timeout=10,
        )

    def me(self, base: str) -> int:
        return self.http.get(base + "/api/v1/me", timeout=10).status_code

    def socket(self, base: str, transport: str = "websocket") -> SocketClient:
        return SocketClient(base, transport).connect(headers={"Cookie": self.cookie})

    def stream(self, base: str) -> SSEReader:
        return SSEReader(base + "/api/v1/events/stream", {"Cookie": self.cookie})


class Watch:
    """Times when each connection ends, from one starting moment."""

    def __init__(self) -> None:
        self.ended: dict[str, float] = {}
        self._threads: list[threading.Thread] = []
        self.started = time.monotonic()

    def start(self) -> None:
        self.started = time.monotonic()

    def event(self, name: str, done: threading.Event) -> None:
        def wait() -> None:
            if done.wait(15):
                self.ended[name] = time.monotonic() - self.started

        self._spawn(wait)

    def long_poll(self, name: str, account: Account, base: str) -> None:
        cursor = long_poll(account, None, base=base).json()["cursor"]

        def wait() -> None:
            response = long_poll(account, cursor, timeout=25, base=base)
            if response.status_code == 200 and not response.json()["events"]:
                self.ended[name] = time.monotonic() - self.started

        self._spawn(wait)

    def _spawn(self, target) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self._threads.append(thread)

    def wait(self, names: list[str], timeout: float) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(n in self.ended for n in names):
            time.sleep(0.02)
        return {name: self.ended.get(name, float("inf")) for name in names}

    def closed_by(self, cause: str, names: list[str]) -> dict[str, float]:
        """How long after the start each of `names` took to end (given a little more than
        CLOSE_WITHIN to do so), printed with the `cause` that ended them."""
        times = self.wait(names, timeout=CLOSE_WITHIN + 3)
        for name in names:
            print(f"{cause} closed {name} after {times[name] * 1000:.0f} ms")
        return times


def socket_of(watch: Watch, name: str, client: SocketClient) -> SocketClient:
    watch.event(name, client.disconnected)
    return client


def stream_of(watch: Watch, name: str, reader: SSEReader) -> SSEReader:
    watch.event(name, reader.ended)
    return reader


def make_moderator(database: Path, account: Account) -> None:
    """Straight into the database the workers share (quicker than the CLI's start-up)."""
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE users SET role = 'moderator' WHERE username = ?", (account.username,)
        )


def echo_reaches(received, text: str, timeout: float = 5) -> bool:
    try:
        received.wait_for(
            lambda events: any(e == "stream:echo" and d["text"] == text for e, d in events), timeout
        )
    except AssertionError:
        return False
    return True


def polls_waiting(server: ServerProcess) -> float:
    """The long-polls `server` holds open now (its metrics sample them at each scrape)."""
    scraped = samples(requests.get(server.url + "/metrics", timeout=10).text)
    return value(scraped, "tandem_connections", transport="longpoll")


def token_me(base: str, account: Account) -> int:
    return requests.get(base + "/api/v1/me", headers=account.headers, timeout=10).status_code


def signed_in_on_both(cluster) -> tuple[Account, Browser, Browser]:
    """A new account (by token) with two browser sign-ins: one on each worker."""
    a, b = cluster
    account = register(a.url)
    return (
        account,
        Browser(a.url, account.username).sign_in(),
        Browser(b.url, account.username).sign_in(),
    )


def fresh_token(base: str, username: str, password: str) -> requests.Response:
    return requests.post(
        base + "/api/v1/auth/token", json={"username": username, "password": password}, timeout=10
    )


def test_a_ban_closes_every_socket_stream_and_poll_on_both_workers_within_two_seconds(
    cluster, workdir
):
    a, b = cluster
    moderator, troll = register(a.url), register(a.url)
    make_moderator(workdir / "instance" / "test.db", moderator)
    browser = Browser(b.url, troll.username).sign_in()
    watch = Watch()
    auth = {"token": troll.token}
    sockets = [
        socket_of(watch, "socket.io websocket on a", SocketClient(a.url).connect(auth=auth)),
        socket_of(
            watch, "socket.io polling on b", SocketClient(b.url, "polling").connect(auth=auth)
        ),
        socket_of(watch, "socket.io by cookie on a", browser.socket(a.url)),
    ]
    streams = [
        stream_of(watch, "SSE on a", SSEReader(a.url + "/api/v1/events/stream", troll.headers)),
        stream_of(watch, "SSE on b", SSEReader(b.url + "/api/v1/events/stream", troll.headers)),
        stream_of(watch, "SSE by cookie on b", browser.stream(b.url)),
    ]
    troll.echo("alive")
    for reader in streams:
        reader.received.wait_count("stream:echo", 1)
    for client in sockets:
        client.received.wait_count("stream:echo", 1)
    watch.long_poll("long-poll on a", troll, a.url)
    watch.long_poll("long-poll on b", troll, b.url)
    wait_until(lambda: polls_waiting(a) >= 1 and polls_waiting(b) >= 1)  # both polls wait

    watch.start()
    response = requests.post(
        f"{a.url}/api/v1/admin/users/{troll.username}/ban",
        json={"reason": "flooding the rooms"},
        headers=moderator.headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    names = [
        "socket.io websocket on a",
        "socket.io polling on b",
        "socket.io by cookie on a",
        "SSE on a",
        "SSE on b",
        "SSE by cookie on b",
        "long-poll on a",
        "long-poll on b",
    ]
    times = watch.closed_by("ban", names)
    slowest = max(times.values())
    print(f"ban closed {len(names)} connections on 2 workers within {slowest * 1000:.0f} ms")
    late = {name: took for name, took in times.items() if took > CLOSE_WITHIN}
    assert not late, f"still open after {CLOSE_WITHIN} s: {late}"

    # And nothing of theirs opens again, by token or by cookie, on either worker.
    for server in (a, b):
        assert token_me(server.url, troll) == 401
        assert browser.me(server.url) == 401
        assert long_poll(troll, None, base=server.url).status_code == 401
    with pytest.raises(socketio.exceptions.ConnectionError):
        SocketClient(b.url).connect(auth=auth)


def test_logout_closes_that_sign_in_only(cluster):
    a, b = cluster
    account, leaving, staying = signed_in_on_both(cluster)
    watch = Watch()
    leaving_socket = socket_of(watch, "leaving socket", leaving.socket(b.url))
    leaving_stream = stream_of(watch, "leaving stream", leaving.stream(a.url))
    staying_socket = socket_of(watch, "staying socket", staying.socket(a.url))
    staying_stream = stream_of(watch, "staying stream", staying.stream(b.url))
    token_socket = socket_of(
        watch, "token socket", SocketClient(b.url).connect(auth={"token": account.token})
    )

    watch.start()
    response = leaving.post_form(a.url, "/logout")
    assert response.status_code == 302
    times = watch.wait(["leaving socket", "leaving stream"], timeout=CLOSE_WITHIN + 3)
    print(f"logout closed its socket and stream after {max(times.values()) * 1000:.0f} ms")
    assert max(times.values()) <= CLOSE_WITHIN, times
    assert leaving.me(a.url) == 401
    assert leaving.me(b.url) == 401

    account.echo("after the logout")
    for received in (staying_socket.received, staying_stream.received, token_socket.received):
        assert echo_reaches(received, "after the logout")
    assert staying.me(b.url) == 200
    assert not {"staying socket", "staying stream", "token socket"} & set(watch.ended)

    # Revoking the token is the script's logout: its socket closes, the browser stays.
    revoked = requests.delete(a.url + "/api/v1/auth/token", headers=account.headers, timeout=10)
    assert revoked.status_code == 204
    assert watch.wait(["token socket"], timeout=CLOSE_WITHIN + 3)["token socket"] <= CLOSE_WITHIN
    assert staying_socket.client.connected
    assert not staying_stream.ended.is_set()
    for client in (leaving_socket, staying_socket):
        client.close()
    leaving_stream.close()
    staying_stream.close()


def test_copied_cookies_open_nothing_on_any_worker_after_logout(cluster):
    a, b = cluster
    account = register(a.url)
    browser = Browser(a.url, account.username).sign_in(remember=True)
    copies = {
        "both cookies": browser.cookie,
        "the remember-me cookie alone": browser.cookie_named("tandem_remember"),
    }
    for cookie in copies.values():
        SocketClient(b.url).connect(headers={"Cookie": cookie}).close()

    assert browser.post_form(a.url, "/logout").status_code == 302
    for what, cookie in copies.items():
        for server in (a, b):
            for transport in ("websocket", "polling"):
                with pytest.raises(socketio.exceptions.ConnectionError):
                    SocketClient(server.url, transport).connect(headers={"Cookie": cookie})
            for path in ("/api/v1/me", "/api/v1/events", "/api/v1/events/stream"):
                with requests.get(
                    server.url + path, headers={"Cookie": cookie}, stream=True, timeout=10
                ) as response:
                    assert response.status_code == 401, (what, server.url, path)


def test_a_password_change_ends_other_sign_ins_and_tokens_but_keeps_this_one(cluster):
    a, b = cluster
    account, changer, other = signed_in_on_both(cluster)
    watch = Watch()
    kept_socket = socket_of(watch, "changer's socket on b", changer.socket(b.url))
    kept_stream = stream_of(watch, "changer's stream on a", changer.stream(a.url))
    others = [
        socket_of(watch, "other sign-in's socket on a", other.socket(a.url)),
        socket_of(
            watch, "token socket on b", SocketClient(b.url).connect(auth={"token": account.token})
        ),
    ]
    other_streams = [
        stream_of(watch, "other sign-in's stream on b", other.stream(b.url)),
        stream_of(
            watch, "token stream on a", SSEReader(a.url + "/api/v1/events/stream", account.headers)
        ),
    ]
    watch.long_poll("token long-poll on b", account, b.url)
    wait_until(lambda: polls_waiting(b) >= 1)

    watch.start()
    response = changer.post_form(
        a.url,
        "/settings/password",
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert response.status_code == 302, response.text[:500]
    ended = [
        "other sign-in's socket on a",
        "token socket on b",
        "other sign-in's stream on b",
        "token stream on a",
        "token long-poll on b",
    ]
    times = watch.closed_by("password change", ended)
    assert max(times.values()) <= CLOSE_WITHIN, times

    # Tokens and the other sign-in are revoked on both workers...
    for server in (a, b):
        assert token_me(server.url, account) == 401
        assert other.me(server.url) == 401
    assert fresh_token(a.url, account.username, PASSWORD).status_code == 401
    new_token = fresh_token(b.url, account.username, NEW_PASSWORD)
    assert new_token.status_code == 200
    # ...while the session that changed it carries on, live connections included.
    for server in (a, b):
        assert changer.me(server.url) == 200
    fresh = Account(a.url, account.username, new_token.json()["token"], account.id)
    fresh.echo("after the change")
    assert echo_reaches(kept_socket.received, "after the change")
    assert echo_reaches(kept_stream.received, "after the change")
    assert kept_socket.client.connected
    assert "changer's socket on b" not in watch.ended
    assert "changer's stream on a" not in watch.ended
    # Its sign-in is still the one logging out closes.
    assert changer.post_form(b.url, "/logout").status_code == 302
    assert kept_socket.disconnected.wait(CLOSE_WITHIN)
    assert kept_stream.ended.wait(CLOSE_WITHIN)
    for client in others:
        client.close()
    for reader in other_streams:
        reader.close()

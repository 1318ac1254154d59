"""Stored cross-site scripting, seen by a real browser: hostile text saved in every field
people write (display name, bio, messages with links, group and room names and
descriptions, party titles, descriptions, media links and chat, report reasons, and the
notifications that quote them), then the pages that show it opened in Chromium. Nothing
may run (no dialog), nothing may load (no request to a payload's address), no markup may
come from the text, the page's policy must not even have to step in (no CSP report), and
the text must be there to read as text. The same holds for text arriving live, through
the page's SSE swap and through Socket.IO."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page

from tests.conftest import start_migrated_server
from tests.support.clients import PASSWORD, Account, SocketClient, register
from tests.support.processes import ServerProcess
from tests.support.sign_in import form_signed_in

pytestmark = [pytest.mark.browser, pytest.mark.server]

# Each fits a display name (64 characters).
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    '"><b hx-get="/x" hx-trigger="load">htmx</b>',
    "{{7*7}}{% print 7*7 %}",
    '<div hx-on:htmx:load="alert(6)" hx-on::load="alert(6)">',
    "javascript:alert(7)",
    '<a href="javascript:alert(8)">click me</a>',
    "'-alert(9)-'\";alert(9)//",
    "</script><script>alert(10)</script>",
    '<iframe src="javascript:alert(11)"></iframe>',
    "<details open ontoggle=alert(12)>",
    "<svg><animate onbegin=alert(13) attributeName=x dur=1s>",
]
ALL = "\n".join(PAYLOADS)
LINKS = 'https://example.org/?q=<script>alert(14)</script> http://x/"onmouseover=alert(15)'
MEDIA_HOST = "media.example"
RELAXED_LIMITS = dict.fromkeys(
    (
        "LOGIN_RATE_LIMIT",
        "LOGIN_USERNAME_RATE_LIMIT",
        "SETTINGS_WRITE_RATE_LIMIT",
        "SOCIAL_WRITE_RATE_LIMIT",
        "CONVERSATION_WRITE_RATE_LIMIT",
        "PARTY_WRITE_RATE_LIMIT",
        "MESSAGE_RATE_LIMIT",
        "PARTY_CREATE_RATE_LIMIT",
        "PARTY_JOIN_RATE_LIMIT",
        "PARTY_CHAT_RATE_LIMIT",
        "REPORT_RATE_LIMIT",
    ),
    "100000 per minute",
)
# Markup that only a payload could have put in the page.
INJECTED = ", ".join(
    [
        "script:not([src]):not([type='application/json'])",
        "[onerror]",
        "[onload]",
        "[ontoggle]",
        "[onbegin]",
        "[onmouseover]",
        "[hx-get='/x']",
        "[hx-on\\:htmx\\:load]",
        "[hx-on\\:\\:load]",
        "iframe[src^='javascript' i]",
        "a[href^='javascript' i]",
        "details[ontoggle]",
        "animate",
    ]
)


@dataclass
class Site:
    server: ServerProcess
    victim: Account
    attackers: list[Account]
    group: int
    rooms: list[int]
    parties: list[int]
    messages: list[int] = field(default_factory=list)
    playlist: int = 0


def form_session(server: ServerProcess, account: Account) -> tuple[requests.Session, str]:
    """Signed in through the login form, as a browser would be; gives the CSRF token."""
    session = form_signed_in(server.url, account.username)
    home = session.get(server.url + "/", timeout=10).text
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home)
    assert csrf
    return session, csrf[1]


def api(server: ServerProcess, account: Account, path: str, body: dict, status=(200, 201)):
    response = requests.post(server.url + path, json=body, headers=account.headers, timeout=10)
    assert response.status_code in status, f"{path}: {response.status_code} {response.text}"
    return response.json() if response.content else {}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("stored-xss")
    process = start_migrated_server(
        workdir, REGISTRATION_RATE_LIMIT="1000 per hour", **RELAXED_LIMITS
    )
    yield process
    process.stop()


def make_moderator(server: ServerProcess, account: Account) -> None:
    with sqlite3.connect(Path(server.env["TANDEM_INSTANCE_PATH"]) / "test.db") as connection:
        connection.execute("UPDATE users SET role = 'moderator' WHERE id = ?", (account.id,))


def set_profile(server: ServerProcess, account: Account, display_name: str, bio: str) -> None:
    session, csrf = form_session(server, account)
    response = session.post(
        server.url + "/settings/profile",
        data={"display_name": display_name, "bio": bio, "avatar_color": "3", "csrf_token": csrf},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]


@pytest.fixture(scope="module")
def site(server) -> Site:
    victim = register(server.url, f"xss_victim_{int(time.time()) % 100000}")
    make_moderator(server, victim)
    attackers = [register(server.url, f"hostile_{n}_{victim.id}") for n in range(len(PAYLOADS))]
    for n, attacker in enumerate(attackers):
        set_profile(server, attacker, PAYLOADS[n], f"{PAYLOADS[n]} {PAYLOADS[n - 1]}")
    # The victim follows the first attacker (their parties notify her); the others
    # follow her (follow notifications quote their names).
    api(server, victim, f"/api/v1/users/{attackers[0].username}/follow", {})
    for attacker in attackers[1:]:
        api(server, attacker, f"/api/v1/users/{victim.username}/follow", {})

    group = api(
        server,
        attackers[0],
        "/api/v1/conversations",
        {
            "kind": "group",
            "name": PAYLOADS[3],
            "description": ALL[:500],
            "members": [victim.username] + [a.username for a in attackers[1:]],
        },
    )["conversation"]["id"]
    messages = []
    for n, attacker in enumerate(attackers):
        body = f"@{victim.username} {PAYLOADS[n]}\n{ALL}\n{LINKS}"
        sent = api(server, attacker, f"/api/v1/conversations/{group}/messages", {"body": body})
        messages.append(sent["message"]["id"])
    rooms = [
        api(
            server,
            attacker,
            "/api/v1/conversations",
            {
                "kind": "room",
                "name": PAYLOADS[n],
                "visibility": "public",
                "description": f"{PAYLOADS[n]} {LINKS}",
            },
        )["conversation"]["id"]
        for n, attacker in enumerate(attackers)
    ]

    # A URL field cannot hold a script address at all...
    for media in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>"):
        refused = requests.post(
            server.url + "/api/v1/parties",
            json={"title": "x", "media_url": media},
            headers=attackers[0].headers,
            timeout=10,
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["field"] == "media_url"
    # ...and an accepted one carries what it may.
    parties, codes = [], []
    for n, attacker in enumerate(attackers[:4]):
        created = api(
            server,
            attacker,
            "/api/v1/parties",
            {
                "title": PAYLOADS[n],
                "description": ALL,
                "media_url": f'https://{MEDIA_HOST}/v{n}.mp4?q="><svg/onload=alert({n})>',
            },
        )["party"]
        parties.append(created["id"])
        codes.append(created["code"])
    api(server, victim, "/api/v1/parties/join", {"code": codes[0]})
    for n, attacker in enumerate(attackers[1:5], start=1):
        api(server, attacker, "/api/v1/parties/join", {"code": codes[0]})
        api(server, attacker, f"/api/v1/parties/{parties[0]}/messages", {"body": ALL[:1000]})
        queued = requests.post(
            f"{server.url}/api/v1/parties/{parties[0]}/queue",
            json={"media_url": "javascript:alert(16)", "title": PAYLOADS[n]},
            headers=attacker.headers,
            timeout=10,
        )
        assert queued.status_code in (400, 403), queued.text

    api(
        server,
        attackers[1],
        "/api/v1/reports",
        {"subject_type": "user", "subject_id": attackers[0].id, "reason": ALL[:1000]},
    )
    api(
        server,
        attackers[2],
        "/api/v1/reports",
        {"subject_type": "message", "subject_id": messages[0], "reason": f"{LINKS} {ALL[:500]}"},
    )
    playlist = public_playlist(server, attackers[1])
    return Site(server, victim, attackers, group, rooms, parties, messages, playlist)


def public_playlist(server: ServerProcess, owner: Account) -> int:
    """A public playlist whose title, description and videos' titles are the payloads."""
    made = api(
        server,
        owner,
        "/api/v1/playlists",
        {"title": PAYLOADS[1], "description": ALL[:500], "visibility": "public"},
    )
    playlist_id = made["playlist"]["id"]
    for n, payload in enumerate(PAYLOADS):
        body = {"video_url": f"https://{MEDIA_HOST}/{n}.mp4", "title": payload}
        api(server, owner, f"/api/v1/playlists/{playlist_id}/items", body)
    return playlist_id


class Watched:
    """A signed-in page and everything it tried to do that it should not have."""

    def __init__(self, browser: Browser, site: Site) -> None:
        self.origin = urlsplit(site.server.url).netloc
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        # Nothing outside may be reached anyway; the party's video host is refused here.
        self.context.route(
            re.compile(rf"^https?://(?!{re.escape(self.origin)}/).*"), lambda r: r.abort()
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.dialogs: list[str] = []
        self.forbidden: list[str] = []
        self.csp: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("request", self._request)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: (
                self.csp.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        self.log_in(site)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, request) -> None:
        if not self.allowed(request.url):
            self.forbidden.append(f"{request.method} {request.url}")

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            return True
        if parts.hostname == MEDIA_HOST:  # the party's own video, refused by the route
            return True
        if parts.netloc != self.origin:
            return False
        last = parts.path.rsplit("/", 1)[-1]
        return last != "x"  # where the payloads point: img src=x, hx-get="/x"

    def log_in(self, site: Site) -> None:
        self.page.goto(site.server.url + "/login")
        self.page.get_by_label("Username").fill(site.victim.username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.page.get_by_label(f"Signed in as {site.victim.username}").wait_for()

    def visit(self, url: str) -> Page:
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(300)  # htmx processes the page, triggers fire
        return self.page

    def assert_inert(self, where: str, expected: list[str]) -> None:
        injected = self.page.eval_on_selector_all(
            INJECTED, "nodes => nodes.map(n => n.outerHTML.slice(0, 200))"
        )
        assert not injected, f"{where}: markup from user text: {injected}"
        assert not self.dialogs, f"{where}: a dialog opened: {self.dialogs}"
        assert not self.forbidden, f"{where}: unexpected requests: {self.forbidden}"
        assert not self.csp, f"{where}: the policy had to block something: {self.csp}"
        assert not self.errors, f"{where}: script errors: {self.errors}"
        text = self.page.locator("body").inner_text()
        missing = [payload for payload in expected if payload not in text]
        assert not missing, f"{where}: not shown as text: {missing}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser, site) -> Iterator[Watched]:
    tab = Watched(browser, site)
    yield tab
    tab.close()


def test_stored_payloads_are_inert_text_on_every_page_that_shows_them(watched, site):
    base = site.server.url
    first, second = site.attackers[0], site.attackers[1]
    pages = {
        "profile": (f"{base}/u/{second.username}", [PAYLOADS[1], PAYLOADS[0]]),
        "people search": (f"{base}/people?q=hostile_", PAYLOADS[:6]),
        "conversation list": (f"{base}/conversations", [PAYLOADS[3]]),
        "group conversation": (f"{base}/conversations/{site.group}", PAYLOADS),
        "group members": (f"{base}/conversations/{site.group}/members", PAYLOADS[:3]),
        "room directory": (f"{base}/rooms", PAYLOADS),
        "a room": (f"{base}/conversations/{site.rooms[5]}", [PAYLOADS[5]]),
        "search": (f"{base}/search?q=alert&kind=messages", PAYLOADS[:3]),
        "party list": (f"{base}/parties", PAYLOADS[:4]),
        "party page": (f"{base}/parties/{site.parties[0]}", PAYLOADS),
        "playlist page": (f"{base}/playlists/{site.playlist}", PAYLOADS),
        "notifications": (f"{base}/notifications", [PAYLOADS[-1]]),
        "report queue": (f"{base}/admin/reports", PAYLOADS[:3]),
        "moderation user page": (f"{base}/admin/users/{first.username}", [PAYLOADS[0]]),
        "moderation content": (f"{base}/admin/content", PAYLOADS[:4]),
    }
    started = time.monotonic()
    for where, (url, expected) in pages.items():
        watched.visit(url)
        watched.assert_inert(where, expected)
    # Links from text point where they say, outside, and only over http(s).
    watched.visit(f"{base}/conversations/{site.group}")
    hrefs = watched.page.eval_on_selector_all(
        ".message-body a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs, "no link was made of the addresses in the messages"
    for href in hrefs:
        assert href.startswith(("https://", "http://", "/u/")), href
        assert '"' not in href
        assert "<" not in href
    print(f"{len(pages)} pages checked in {time.monotonic() - started:.1f} s")


def test_text_arriving_live_is_inert_too(watched, site):
    """The SSE swap of a conversation, the live notification list, and party chat over
    Socket.IO: the same text, arriving while the page is open."""
    base = site.server.url
    attacker = site.attackers[4]

    page = watched.visit(f"{base}/conversations/{site.group}")
    page.wait_for_timeout(500)  # the SSE stream connects
    live_body = f"live one {ALL}\n{LINKS}"
    api(site.server, attacker, f"/api/v1/conversations/{site.group}/messages", {"body": live_body})
    page.get_by_text("live one", exact=False).first.wait_for()
    watched.assert_inert("conversation, live", ["live one", *PAYLOADS])

    page = watched.visit(f"{base}/notifications")
    page.wait_for_timeout(500)
    newcomer = register(base, f"hostile_new_{site.victim.id}")
    set_profile(site.server, newcomer, '<img src=x onerror=alert("live")>', "")
    api(site.server, newcomer, f"/api/v1/users/{site.victim.username}/follow", {})
    page.get_by_text('<img src=x onerror=alert("live")>', exact=False).first.wait_for()
    watched.assert_inert("notifications, live", ['<img src=x onerror=alert("live")>'])

    page = watched.visit(f"{base}/parties/{site.parties[0]}")
    page.wait_for_function("() => document.querySelector('#sync-status') !== null")
    page.wait_for_timeout(1000)  # the party script connects and joins
    chatter = SocketClient(base).connect(auth={"token": attacker.token})
    joined = chatter.call("party:join", {"party_id": site.parties[0]})
    assert joined["ok"] is True, joined
    ack = chatter.call(
        "party:message", {"party_id": site.parties[0], "body": f"live two {ALL}"[:1000]}
    )
    assert ack["ok"] is True, ack
    page.get_by_text("live two", exact=False).first.wait_for()
    watched.assert_inert("party chat, live", ["live two", PAYLOADS[0], PAYLOADS[5]])
    chatter.close()

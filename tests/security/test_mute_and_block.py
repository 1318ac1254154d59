"""A mute is a mute and a block is a block, on every write and every door.

On one running server: `troll` is muted site-wide by a moderator, `quiet` is muted in a
group by its owner, and `blocker` has blocked `blocked`, with whom they share a direct
conversation. Every write others would read (an edit, a reaction, typing, a new group,
room or party, renaming or picturing one's group, party chat, a party reaction, party
typing) is refused over the JSON API, over Socket.IO and through the page forms, with the
code `muted` (or `blocked`); nothing is stored, and a watching member hears nothing of
it. The sockets are opened before the mutes and the block, so a live connection is held
to the state of the moment.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.conftest import CSRF_IN_PAGE
from tests.security.surface import PNG
from tests.support.clients import PASSWORD, VIDEO, Account, SocketClient, create_party, register
from tests.support.sign_in import CSRF_IN_FORM

pytestmark = pytest.mark.server

SITE_MUTED = "You are muted on this site until "
_markers = itertools.count(1)


@dataclass
class World:
    """The people (by role), their sockets, and the ids of what they share."""

    base: str
    people: dict[str, Account]
    sockets: dict[str, SocketClient] = field(default_factory=dict)
    group: int = 0
    owners_message: int = 0
    trolls_message: int = 0
    trolls_group: int = 0
    direct: int = 0
    blockers_message: int = 0
    party: int = 0

    def api(self, who: str, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method,
            self.base + "/api/v1" + path,
            json=body,
            headers=self.people[who].headers,
            timeout=10,
        )

    def ok(self, who: str, method: str, path: str, body: Any = None) -> dict:
        response = self.api(who, method, path, body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def message(self, conversation_id: int, message_id: int, reader: str = "owner") -> dict:
        """A message as a member sees it now."""
        page = self.ok(reader, "GET", f"/conversations/{conversation_id}/messages?limit=100")
        [found] = [m for m in page["messages"] if m["id"] == message_id]
        return found

    def party_chat(self) -> list[str]:
        return [
            m["body"]
            for m in self.ok("owner", "GET", f"/parties/{self.party}/messages")["messages"]
        ]


@pytest.fixture(scope="module")
def world(shared_server) -> Iterator[World]:
    base = shared_server.url
    names = ("mod", "troll", "owner", "watcher", "quiet", "blocker", "blocked")
    people = {name: register(base) for name in names}
    shared_server.set_role(people["mod"].username, "moderator")
    w = World(base, people)

    members = [people[n].username for n in ("troll", "watcher", "quiet")]
    w.group = w.ok(
        "owner",
        "POST",
        "/conversations",
        {"kind": "group", "name": "Film club", "members": members},
    )["conversation"]["id"]
    w.owners_message = w.ok(
        "owner", "POST", f"/conversations/{w.group}/messages", {"body": "Welcome"}
    )["message"]["id"]
    w.trolls_message = w.ok(
        "troll", "POST", f"/conversations/{w.group}/messages", {"body": "first words"}
    )["message"]["id"]
    w.trolls_group = w.ok(
        "troll",
        "POST",
        "/conversations",
        {"kind": "group", "name": "Troll den", "members": [people["watcher"].username]},
    )["conversation"]["id"]
    w.direct = w.ok(
        "blocked",
        "POST",
        "/conversations",
        {"kind": "direct", "username": people["blocker"].username},
    )["conversation"]["id"]
    w.blockers_message = w.ok(
        "blocker", "POST", f"/conversations/{w.direct}/messages", {"body": "hi there"}
    )["message"]["id"]
    party = create_party(base, people["owner"], visibility="public")
    w.party = party["id"]
    for name in ("troll", "watcher"):
        w.ok(name, "POST", "/parties/join", {"code": party["code"]})

    w.sockets = {
        name: SocketClient(base).connect(auth={"token": people[name].token})
        for name in ("troll", "watcher", "quiet", "blocker", "blocked")
    }
    w.ok(
        "owner",
        "POST",
        f"/conversations/{w.group}/members/{people['quiet'].username}/mute",
        {"minutes": 30},
    )
    w.ok("mod", "POST", f"/admin/users/{people['troll'].username}/mute", {"minutes": 30})
    w.ok("blocker", "POST", f"/users/{people['blocked'].username}/block")
    yield w
    for socket in w.sockets.values():
        socket.close()


@contextmanager
def nothing_heard(world: World, observer: str, *names: str) -> Iterator[None]:
    """The observer hears no event called one of `names` from the write in the block:
    anything it published would arrive before a marker the observer sends itself after."""
    received = world.sockets[observer].received
    start = len(received.events)
    yield
    marker = f"marker {next(_markers)}"
    world.people[observer].echo(marker)
    events = received.wait_for(
        lambda events: any(e == "stream:echo" and d["text"] == marker for e, d in events)
    )
    assert [(e, d) for e, d in events[start:] if e in names] == []


def assert_refused(response: requests.Response, code: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


def assert_refused_ack(ack: dict, code: str) -> None:
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] == code, ack
    assert ack["error"]["message"]


# -- what stays as it was --------------------------------------------------------------
def trolls_words_kept(w: World) -> bool:
    kept = w.message(w.group, w.trolls_message)
    return (kept["body"], kept["edited_at"]) == ("first words", None)


def no_reactions(w: World) -> bool:
    return w.message(w.group, w.owners_message)["reactions"] == []


def no_new_conversations(w: World) -> bool:
    mine = {c["id"] for c in w.ok("troll", "GET", "/conversations")["conversations"]}
    rooms = w.ok("watcher", "GET", "/rooms?q=Muted")["rooms"]
    return mine == {w.group, w.trolls_group} and rooms == []


def trolls_group_kept(w: World) -> bool:
    group = w.ok("watcher", "GET", f"/conversations/{w.trolls_group}")["conversation"]
    return (group["name"], group["image_url"]) == ("Troll den", None)


def no_muted_parties(w: World) -> bool:
    listed = w.ok("watcher", "GET", "/parties?status=live")["parties"]
    return not any(p["title"].startswith("Muted") for p in listed)


def party_chat_without(text: str) -> Callable[[World], bool]:
    return lambda w: text not in w.party_chat()


# -- site-wide mute, JSON API -----------------------------------------------------------
def test_site_muted_cannot_edit_over_the_api(world):
    with nothing_heard(world, "watcher", "message:updated"):
        refused = world.api(
            "troll", "PATCH", f"/messages/{world.trolls_message}", {"body": "edited while muted"}
        )
    assert_refused(refused, "muted")
    assert refused.json()["error"]["message"].startswith(SITE_MUTED)
    assert trolls_words_kept(world)


def test_site_muted_cannot_react_over_the_api(world):
    with nothing_heard(world, "watcher", "message:updated"):
        refused = world.api(
            "troll", "POST", f"/messages/{world.owners_message}/reactions", {"emoji": "👍"}
        )
    assert_refused(refused, "muted")
    assert no_reactions(world)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "room", "name": "Muted hall", "visibility": "public"},
        {"kind": "group", "name": "Muted corner"},
    ],
    ids=["room", "group"],
)
def test_site_muted_cannot_create_a_room_or_group_over_the_api(world, body):
    invited = {**body, "members": [world.people["watcher"].username]}
    with nothing_heard(world, "watcher", "membership:added", "notification:new"):
        refused = world.api("troll", "POST", "/conversations", invited)
    assert_refused(refused, "muted")
    assert no_new_conversations(world)


def test_site_muted_owner_cannot_rename_or_picture_their_group_over_the_api(world):
    with nothing_heard(world, "watcher", "membership:conversation_updated", "message:new"):
        renamed = world.api(
            "troll", "PATCH", f"/conversations/{world.trolls_group}", {"name": "Muted den"}
        )
        pictured = requests.post(
            f"{world.base}/api/v1/conversations/{world.trolls_group}/image",
            files={"image": ("dot.png", PNG, "image/png")},
            headers=world.people["troll"].headers,
            timeout=10,
        )
    assert_refused(renamed, "muted")
    assert_refused(pictured, "muted")
    assert trolls_group_kept(world)


def test_site_muted_cannot_create_a_party_over_the_api(world):
    refused = world.api(
        "troll",
        "POST",
        "/parties",
        {"title": "Muted party", "media_url": VIDEO, "visibility": "public"},
    )
    assert_refused(refused, "muted")
    assert no_muted_parties(world)


def test_site_muted_cannot_chat_in_a_party_over_the_api(world):
    with nothing_heard(world, "watcher", "party:message"):
        refused = world.api(
            "troll", "POST", f"/parties/{world.party}/messages", {"body": "muted chatter"}
        )
    assert_refused(refused, "muted")
    assert party_chat_without("muted chatter")(world)


# -- site-wide mute, Socket.IO (a socket opened before the mute) ------------------------
@dataclass(frozen=True)
class Write:
    event: str  # a socket event, or a page form's path with {placeholders}
    payload: Callable[[World], dict]
    heard: tuple[str, ...]  # what the watcher would have heard
    stored: Callable[[World], bool] | None = None  # true while nothing was stored


SOCKET_WRITES = {
    "message:edit": Write(
        "message:edit",
        lambda w: {"message_id": w.trolls_message, "body": "edited while muted"},
        ("message:updated",),
        trolls_words_kept,
    ),
    "message:react": Write(
        "message:react",
        lambda w: {"message_id": w.owners_message, "emoji": "🎉"},
        ("message:updated",),
        no_reactions,
    ),
    "typing:start": Write("typing:start", lambda w: {"conversation_id": w.group}, ("typing",)),
    "party:message": Write(
        "party:message",
        lambda w: {"party_id": w.party, "body": "muted party chatter"},
        ("party:message",),
        party_chat_without("muted party chatter"),
    ),
    "party:reaction": Write(
        "party:reaction", lambda w: {"party_id": w.party, "emoji": "🎉"}, ("party:reaction",)
    ),
    "party:typing": Write(
        "party:typing", lambda w: {"party_id": w.party, "typing": True}, ("party:typing",)
    ),
}


@pytest.mark.parametrize("write", SOCKET_WRITES.values(), ids=SOCKET_WRITES.keys())
def test_site_muted_socket_writes_are_refused(world, write: Write):
    with nothing_heard(world, "watcher", *write.heard):
        ack = world.sockets["troll"].call(write.event, write.payload(world))
    assert_refused_ack(ack, "muted")
    assert ack["error"]["message"].startswith(SITE_MUTED)
    if write.stored is not None:
        assert write.stored(world)


def test_site_muted_may_still_stop_typing(world):
    """Stopping says nothing; it is allowed so no indicator outlives a mute."""
    assert_refused_ack(
        world.sockets["troll"].call("typing:start", {"conversation_id": world.group}), "muted"
    )
    stop = world.sockets["troll"].call("typing:stop", {"conversation_id": world.group})
    assert stop["ok"] is True, stop
    party_stop = world.sockets["troll"].call(
        "party:typing", {"party_id": world.party, "typing": False}
    )
    assert party_stop["ok"] is True, party_stop


# -- site-wide mute, page forms ---------------------------------------------------------
@pytest.fixture(scope="module")
def trolls_browser(world) -> tuple[requests.Session, str]:
    """The muted person signed in through the login form, and their CSRF token."""
    browser = requests.Session()
    login_page = browser.get(world.base + "/login", timeout=10)
    token = CSRF_IN_FORM.search(login_page.text).group(1)
    signed_in = browser.post(
        world.base + "/login",
        data={
            "username": world.people["troll"].username,
            "password": PASSWORD,
            "csrf_token": token,
        },
        timeout=10,
    )
    assert signed_in.status_code == 200, signed_in.text[:300]
    return browser, CSRF_IN_PAGE.search(signed_in.text).group(1)


PAGE_FORMS = {
    "edit": Write(
        "/conversations/{group}/messages/{trolls_message}/edit",
        lambda w: {"body": "edited while muted"},
        ("message:updated",),
        trolls_words_kept,
    ),
    "react": Write(
        "/conversations/{group}/messages/{owners_message}/react",
        lambda w: {"emoji": "👍"},
        ("message:updated",),
        no_reactions,
    ),
    "typing": Write("/conversations/{group}/typing", lambda w: {}, ("typing",)),
    "room": Write(
        "/rooms",
        lambda w: {"name": "Muted page hall", "visibility": "public"},
        ("membership:added",),
        no_new_conversations,
    ),
    "group": Write(
        "/conversations/groups",
        lambda w: {"name": "Muted page corner", "members": w.people["watcher"].username},
        ("membership:added", "notification:new"),
        no_new_conversations,
    ),
    "group settings": Write(
        "/conversations/{trolls_group}/settings",
        lambda w: {"name": "Muted den"},
        ("membership:conversation_updated", "message:new"),
        trolls_group_kept,
    ),
    "new party": Write(
        "/parties/new",
        lambda w: {"title": "Muted page party", "media_url": VIDEO, "visibility": "public"},
        (),
        no_muted_parties,
    ),
    "party reaction": Write(
        "/parties/{party}/reactions", lambda w: {"emoji": "🎉"}, ("party:reaction",)
    ),
    "party message": Write(
        "/parties/{party}/messages",
        lambda w: {"body": "muted page chatter"},
        ("party:message",),
        party_chat_without("muted page chatter"),
    ),
}


@pytest.mark.parametrize("form", PAGE_FORMS.values(), ids=PAGE_FORMS.keys())
def test_site_muted_page_forms_are_refused(world, trolls_browser, form: Write):
    browser, csrf = trolls_browser
    ids = {
        "group": world.group,
        "trolls_message": world.trolls_message,
        "owners_message": world.owners_message,
        "trolls_group": world.trolls_group,
        "party": world.party,
    }
    with nothing_heard(world, "watcher", *form.heard):
        refused = browser.post(
            world.base + form.event.format_map(ids),
            data={**form.payload(world), "csrf_token": csrf},
            allow_redirects=False,
            timeout=10,
        )
    assert refused.status_code in (400, 403), refused.status_code
    assert SITE_MUTED in refused.text
    if form.stored is not None:
        assert form.stored(world)


def assert_cannot_react(world: World, who: str, message_id: int, observer: str, code: str):
    """`who` reacts to the message through the API and over its socket: both are refused
    with `code`, and `observer` hears of no change to the message."""
    with nothing_heard(world, observer, "message:updated"):
        refused = world.api(who, "POST", f"/messages/{message_id}/reactions", {"emoji": "👍"})
        ack = world.sockets[who].call("message:react", {"message_id": message_id, "emoji": "👍"})
    assert_refused(refused, code)
    assert_refused_ack(ack, code)


def assert_cannot_type(world: World, who: str, conversation_id: int, observer: str, code: str):
    """`who` starts typing over its socket: refused with `code`, and `observer` sees none."""
    with nothing_heard(world, observer, "typing"):
        ack = world.sockets[who].call("typing:start", {"conversation_id": conversation_id})
    assert_refused_ack(ack, code)


# -- muted in one conversation ----------------------------------------------------------
def test_room_muted_member_cannot_react(world):
    assert_cannot_react(world, "quiet", world.owners_message, "watcher", "muted")
    assert no_reactions(world)


def test_room_muted_member_cannot_type(world):
    assert_cannot_type(world, "quiet", world.group, "watcher", "muted")


# -- blocked in a direct conversation ---------------------------------------------------
def test_blocked_person_cannot_react_in_the_blockers_direct_conversation(world):
    assert_cannot_react(world, "blocked", world.blockers_message, "blocker", "blocked")
    assert world.message(world.direct, world.blockers_message, "blocker")["reactions"] == []


def test_blocked_person_cannot_type_in_the_blockers_direct_conversation(world):
    assert_cannot_type(world, "blocked", world.direct, "blocker", "blocked")

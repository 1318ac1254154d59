"""Tandem's attack surface, read from the application itself, and a world to aim at.

`routes(app)` lists every URL rule with each of its methods, so a route added tomorrow
is in every generated table at once. `World` is a small site: a victim with private
conversations, files and parties, her friend inside them, and a stranger with nothing
to do with either (plus things of his own, for attacks that mix his ids with hers).
"""

from __future__ import annotations

import atexit
import functools
import io
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from app import create_app
from config import RATE_LIMIT_SETTINGS
from extensions import db, socketio
from models.party import Party
from models.playlist import Playlist
from models.social import Notification
from models.user import Role, User
from services import (
    accounts,
    announcements,
    api_tokens,
    attachments,
    clips,
    comment_likes,
    comments,
    conversation_settings,
    conversations,
    message_edits,
    moderation_reports,
    parties,
    party_chat,
    party_membership,
    party_queue,
    playlist_items,
    playlist_people,
    playlists,
    posts,
    profiles,
    social,
)
from tests.conftest import CSRF_IN_PAGE, PASSWORD, settings_for
from tests.support.messages import sent_message

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_ROUTED = frozenset({"HEAD", "OPTIONS"})  # answered by Flask itself for every rule

# For sites that walk every route: each route draws on the budget of its action, shared
# with the other doors of that action, so the defaults would run out; limits are tested
# in test_flooding.py, test_one_budget_per_action.py and test_authentication.py.
GENEROUS_LIMITS = dict.fromkeys(RATE_LIMIT_SETTINGS, "100000 per minute")

# An id no object ever had: what "does not exist" looks like.
GHOST_ID = 987_654
# A value for every part of a URL, none of which names anything: requests that get past
# their checks find nothing, and change nothing other tests rely on.
GHOST_PARTS: dict[str, Any] = {
    **dict.fromkeys(
        (
            *("conversation_id", "message_id", "subject_id", "party_id", "item_id"),
            *("playlist_id", "playlist_item_id", "report_id", "announcement_id", "post_id"),
            *("clip_id", "comment_id", "token_id"),
        ),
        GHOST_ID,
    ),
    "clip_code": "ZZZZZZZZ",
    "username": "nobody_here",
    "code": "ZZZZZZ",
    "session_id": "0" * 64,
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VIDEO = "https://media.example/clip.mp4"


@dataclass(frozen=True)
class Route:
    method: str
    rule: Rule = field(compare=False, repr=False)
    path: str
    endpoint: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def arguments(self) -> frozenset[str]:
        return frozenset(self.rule.arguments)

    @property
    def selectors(self) -> frozenset[str]:
        """Parts that pick one of a few fixed words (`<any(approve, refuse):decision>`)."""
        return frozenset(
            name
            for name in self.rule.arguments
            if isinstance(self.rule._converters[name], AnyConverter)
        )

    def url(self, values: Mapping[str, Any]) -> str:
        """This route's URL with `values` for its parts; a part named `any(...)` takes
        its first choice unless given. An unknown part name fails loudly: whoever adds
        one teaches the tables here what to put in it."""
        filled: dict[str, Any] = {}
        for name in self.rule.arguments:
            converter = self.rule._converters[name]
            if name in values:
                filled[name] = values[name]
            elif isinstance(converter, AnyConverter):
                filled[name] = sorted(converter.items)[0]
            else:
                raise KeyError(f"{self}: no sample value for <{name}>")
        built = self.rule.build(filled, append_unknown=False)
        assert built is not None, f"cannot build {self} from {filled}"
        return built[1]


def routes(app: Flask) -> list[Route]:
    """Every (method, rule) the app answers, in a stable order."""
    found = [
        Route(method, rule, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - NOT_ROUTED)
    ]
    return sorted(found, key=lambda route: (route.path, route.method))


@functools.cache
def collected_app() -> Flask:
    """An app built while tests are collected, to read its routes and socket handlers
    into parametrized tables. Tests run against apps of their own."""
    folder = Path(tempfile.mkdtemp(prefix="tandem-surface-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return create_app(settings_for(folder))


@functools.cache
def collected_routes() -> tuple[Route, ...]:
    return tuple(routes(collected_app()))


@functools.cache
def collected_socket_events() -> tuple[str, ...]:
    """Every event name with a handler on the default namespace (connect included)."""
    collected_app()
    return tuple(sorted(socketio.server.handlers["/"]))


def csrf_token(client: FlaskClient) -> str:
    """The token the layout hands this client's session (anonymous or signed in)."""
    match = CSRF_IN_PAGE.search(client.get("/").get_data(as_text=True))
    assert match, "the home page carries no CSRF token"
    return match.group(1)


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A browser-like client with a session cookie from the login form."""
    client = app.test_client()
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def is_csrf_refusal(response) -> bool:
    if response.status_code != 400:
        return False
    if response.is_json:
        return response.get_json()["error"]["code"] == "csrf_failed"
    return "sent from elsewhere" in response.get_data(as_text=True)


# -- what a refused request must leave alone -------------------------------------------
# Columns that reading may touch: a token records when it was last used.
VOLATILE_COLUMNS = frozenset({("api_tokens", "last_used_at")})


def stored_state() -> dict[str, Any]:
    """Every row of every table, and every stored file, for before-and-after checks."""
    state: dict[str, Any] = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE_COLUMNS]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns))
        state[table.name] = [tuple(row) for row in rows]
    instance = Path(current_app.instance_path)
    state["files"] = sorted(
        str(path.relative_to(instance))
        for path in instance.rglob("*")
        if path.is_file() and not path.name.startswith("test.db")
    )
    return state


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What differs, table by table: rows gone and rows new (a changed row is both)."""
    changed = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            changed[name] = {
                "gone": [row for row in old if row not in new],
                "new": [row for row in new if row not in old],
            }
    return changed


# -- the world --------------------------------------------------------------------------
@dataclass
class World:
    """Ids of everything, by name. `vera` owns it all, `mia` is inside with her, `sam`
    is a stranger with a group and a party of his own, `mod` is a moderator.

    Tests hold no app context between requests (as a real server would not): each
    request, socket event and look here gets a fresh one, so nothing one of them left
    in `flask.g` can sign in the next."""

    app: Flask
    user_ids: dict[str, int]
    ids: dict[str, Any]  # ids of rows; a browser sign-in's id is a string
    codes: dict[str, str]
    avatar: str

    def token(self, name: str) -> str:
        with self.app.app_context():
            return api_tokens.issue_token(db.session.get(User, self.user_ids[name]))

    def bearer(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(name)}"}

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def build_world(app: Flask) -> World:
    """Build the world through the services, as people would."""
    with app.app_context():
        world = _build(app)
        db.session.remove()
    return world


def _build(app: Flask) -> World:
    users = {
        name: accounts.register(name, PASSWORD, role)
        for name, role in (
            ("vera", Role.USER),
            ("mia", Role.USER),
            ("sam", Role.USER),
            ("mod", Role.MODERATOR),
            ("boss", Role.ADMIN),
        )
    }
    vera, mia, sam = users["vera"], users["mia"], users["sam"]
    ids: dict[str, int] = {}

    # vera and mia are friends (mutual follows: friends-only parties admit them).
    social.follow(vera, "mia")
    social.follow(mia, "vera")
    profiles.set_avatar(vera, io.BytesIO(PNG))

    # Conversations: a direct one, a private group, a private room, a public room.
    direct = conversations.open_direct(vera, "mia")
    group = conversations.create_group(vera, "Vera and Mia", ["mia"])
    private_room = conversations.create_room(vera, "Quiet room", "private", members=["mia"])
    public_room = conversations.create_room(vera, "Open room", "public", members=["mia"])
    conversation_settings.set_image(vera, group.id, io.BytesIO(PNG))
    for key, conversation in (
        ("direct", direct),
        ("group", group),
        ("private_room", private_room),
        ("public_room", public_room),
    ):
        ids[key] = conversation.id
        sent = sent_message(vera, conversation.id, f"vera in {key}")
        ids[f"{key}_message"] = sent.id
        message_edits.react(mia, sent.id, "👍")
        ids[f"{key}_reply"] = sent_message(mia, conversation.id, f"mia in {key}").id
    for key in ("group", "public_room"):
        upload = attachments.upload(vera, ids[key], io.BytesIO(b"notes\n"), "notes.txt")
        sent_message(vera, ids[key], "a file", attachment_id=upload.id)
        ids[f"{key}_file"] = upload.id

    # Parties: private (mia inside), friends-only, public; each with a queue item.
    for key, visibility in (
        ("private_party", "private"),
        ("friends_party", "friends"),
        ("public_party", "public"),
    ):
        party = parties.create(
            vera,
            {
                "title": f"vera's {visibility} party",
                "media_url": VIDEO,
                "visibility": visibility,
                "allow_suggestions": True,
            },
        )
        ids[key] = party.id
        party_membership.join_by_code(mia, party.code)
        ids[f"{key}_item"] = party_queue.add(vera, party.id, VIDEO + "?next", "Next").id
        ids[f"{key}_message"] = party_chat.send(vera, party.id, "hello party").id
    codes = {
        key: db.session.get(Party, ids[key]).code
        for key in ("private_party", "friends_party", "public_party")
    }

    # Playlists: private, unlisted and public ones of vera's, mia collaborating, one item each.
    for key, visibility in (
        ("private_playlist", "private"),
        ("unlisted_playlist", "unlisted"),
        ("public_playlist", "public"),
    ):
        playlist = playlists.create(vera, f"vera's {visibility} list", "", visibility)
        ids[key] = playlist.id
        playlist_people.invite(vera, playlist.id, "mia")
        added = playlist_items.add(vera, playlist.id, VIDEO, "First")
        ids[f"{key}_item"] = added["item"]["id"]
    codes["unlisted_playlist"] = db.session.get(Playlist, ids["unlisted_playlist"]).share_token

    # vera's notifications (mia's follow, invitations) and a report only staff may see.
    ids["notification"] = db.session.scalar(
        select(Notification.id).where(Notification.user_id == vera.id).limit(1)
    )
    assert ids["notification"] is not None
    ids["report"] = moderation_reports.report(vera, "message", ids["group_reply"], "rude").id
    # An announcement from the admin, showing on every page.
    ids["announcement"] = announcements.post(users["boss"], "Welcome to Tandem").id
    # Posts: vera's to everyone and to her friends (mia), each with an image and liked by mia.
    for key, audience in (("public_post", "public"), ("friends_post", "friends")):
        text, image = f"vera's {audience} post", io.BytesIO(PNG)
        ids[key] = posts.create(vera, text, audience=audience, image=image)["id"]
        posts.like(mia, ids[key])
        # Comments on them: mia's, liked by vera.
        comment_key = key.replace("post", "comment")
        ids[comment_key] = comments.create(mia, ids[key], f"mia on {audience}")["id"]
        comment_likes.like(vera, ids[comment_key])
    # A clip of vera's, which anyone signed in may watch by its code, and sam's own.
    vera_clip = clips.create(
        vera, {"title": "vera's clip", "video_url": VIDEO, "start": 0, "end": 5}
    )
    ids["clip"], codes["clip"] = vera_clip.id, vera_clip.code

    # The stranger's own things, for attacks that pair his ids with hers.
    mine_group = conversations.create_group(sam, "Sam alone", [])
    ids["mine_group"] = mine_group.id
    ids["mine_message"] = sent_message(sam, mine_group.id, "sam talks to himself").id
    mine_party = parties.create(
        sam, {"title": "sam's party", "media_url": VIDEO, "visibility": "public"}
    )
    ids["mine_party"] = mine_party.id
    ids["mine_item"] = party_queue.add(sam, mine_party.id, VIDEO + "?mine").id
    mine_playlist = playlists.create(sam, "sam's list", "", "public")
    ids["mine_playlist"] = mine_playlist.id
    ids["mine_playlist_item"] = playlist_items.add(sam, mine_playlist.id, VIDEO)["item"]["id"]
    ids["mine_post"] = posts.create(sam, "sam's post", audience="public")["id"]
    sams_clip = clips.create(sam, {"title": "sam's clip", "video_url": VIDEO, "start": 0, "end": 5})
    ids["mine_clip"], codes["mine_clip"] = sams_clip.id, sams_clip.code
    ids["mine_comment"] = comments.create(sam, ids["mine_post"], "sam's comment")["id"]

    # A browser sign-in and an API token each, hers and his (ids only: not signed in here).
    for key, person in (("", vera), ("mine_", sam)):
        ids[f"{key}sign_in"] = accounts.start_sign_in(person, "Surface/1.0").id
        api_tokens.issue_token(person)
        ids[f"{key}token"] = api_tokens.tokens_of(person)[0].id
    return World(
        app=app,
        user_ids={name: user.id for name, user in users.items()},
        ids=ids,
        codes=codes,
        avatar=db.session.get(User, vera.id).avatar_file,
    )

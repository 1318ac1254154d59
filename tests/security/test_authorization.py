"""Insecure direct object references: a stranger aims at someone else's things by id.

`sam` is signed in and has nothing to do with `vera`, who owns private conversations,
files, reactions and parties with her friend `mia` (see surface.World). Every row of the
tables below is one attempt of his, over HTTP or Socket.IO, with the answer the contract
gives: 404 for what does not exist for him (word for word as for an id nobody ever had),
403 for what he may see but not touch. After each attempt nothing stored has changed,
nothing was published and nobody was subscribed to anything. Coverage checks make sure
every id-taking route and socket event has a row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from extensions import db, socketio
from models.social import NotificationMute
from models.user import User
from realtime.bus import bus
from realtime.events import CONTROL_CHANNEL, user_channel
from services import presence
from tests.conftest import make_app
from tests.security.surface import (
    GENEROUS_LIMITS,
    GHOST_ID,
    PNG,
    VIDEO,
    World,
    build_world,
    changes_between,
    collected_routes,
    collected_socket_events,
    csrf_token,
    signed_in,
    stored_state,
)


@dataclass(frozen=True)
class Id:
    """An id from the world, in a request body."""

    key: str


@dataclass(frozen=True)
class Upload:
    """A multipart body with one file in `field`."""

    field: str
    data: bytes = b"notes\n"
    name: str = "notes.txt"


@dataclass(frozen=True)
class Attack:
    method: str
    path: str  # "{key}" is the id of that thing in the world
    status: int
    body: Any = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def http(method: str, path: str, status: int, body: Any = None):
    attack = Attack(method, path, status, body)
    return pytest.param(attack, id=f"{attack} -> {status}")


SAMS_VIDEO = VIDEO + "?sam"

# -- HTTP -------------------------------------------------------------------------------
CONVERSATION_API = [
    # A direct chat, a private group, a private room: not there for a stranger.
    http("GET", "/api/v1/conversations/{direct}", 404),
    http("GET", "/api/v1/conversations/{group}", 404),
    http("GET", "/api/v1/conversations/{private_room}", 404),
    http("PATCH", "/api/v1/conversations/{group}", 404, {"name": "Sam's now"}),
    http("DELETE", "/api/v1/conversations/{group}", 404),
    http("DELETE", "/api/v1/conversations/{private_room}", 404),
    http("POST", "/api/v1/conversations/{private_room}/join", 404),
    http("POST", "/api/v1/conversations/{group}/join", 404),
    http("POST", "/api/v1/conversations/{group}/leave", 404),
    http("GET", "/api/v1/conversations/{group}/members", 404),
    http("POST", "/api/v1/conversations/{group}/members", 404, {"username": "sam"}),
    http("POST", "/api/v1/conversations/{private_room}/members", 404, {"username": "sam"}),
    http("DELETE", "/api/v1/conversations/{group}/members/mia", 404),
    http("POST", "/api/v1/conversations/{group}/members/mia/mute", 404, {"minutes": 60}),
    http("POST", "/api/v1/conversations/{group}/members/mia/role", 404, {"role": "admin"}),
    http("POST", "/api/v1/conversations/{group}/members/sam/role", 404, {"role": "admin"}),
    http("GET", "/api/v1/conversations/{direct}/messages", 404),
    http("GET", "/api/v1/conversations/{group}/messages", 404),
    http("GET", "/api/v1/conversations/{private_room}/messages", 404),
    http("POST", "/api/v1/conversations/{direct}/messages", 404, {"body": "hi"}),
    http("POST", "/api/v1/conversations/{group}/messages", 404, {"body": "hi"}),
    http("POST", "/api/v1/conversations/{group}/attachments", 404, Upload("file")),
    http("GET", "/api/v1/conversations/{group}/image", 404),
    http("POST", "/api/v1/conversations/{group}/image", 404, Upload("image", PNG, "me.png")),
    http("POST", "/api/v1/conversations/{group}/read", 404, {"message_id": Id("group_message")}),
    http("PATCH", "/api/v1/messages/{group_message}", 404, {"body": "edited by sam"}),
    http("PATCH", "/api/v1/messages/{direct_message}", 404, {"body": "edited by sam"}),
    http("DELETE", "/api/v1/messages/{group_message}", 404),
    http("DELETE", "/api/v1/messages/{private_room_message}", 404),
    http("POST", "/api/v1/messages/{group_message}/reactions", 404, {"emoji": "👍"}),
    http("POST", "/api/v1/messages/{direct_message}/reactions", 404, {"emoji": "🎉"}),
    # A public room he has not joined: he may see that it exists and read it (before
    # joining), not act in it.
    http("GET", "/api/v1/conversations/{public_room}/messages", 200),
    http("POST", "/api/v1/conversations/{public_room}/messages", 403, {"body": "hi"}),
    http("GET", "/api/v1/conversations/{public_room}/members", 403),
    http("PATCH", "/api/v1/conversations/{public_room}", 403, {"name": "Sam's now"}),
    http("DELETE", "/api/v1/conversations/{public_room}", 403),
    http("POST", "/api/v1/conversations/{public_room}/members", 403, {"username": "sam"}),
    http("DELETE", "/api/v1/conversations/{public_room}/members/mia", 403),
    http("POST", "/api/v1/conversations/{public_room}/members/mia/mute", 403, {"minutes": 5}),
    http("POST", "/api/v1/conversations/{public_room}/attachments", 403, Upload("file")),
    http("POST", "/api/v1/conversations/{public_room}/image", 403, Upload("image", PNG, "a.png")),
    http(
        "POST",
        "/api/v1/conversations/{public_room}/read",
        403,
        {"message_id": Id("public_room_message")},
    ),
    http("PATCH", "/api/v1/messages/{public_room_message}", 404, {"body": "edited by sam"}),
    http("DELETE", "/api/v1/messages/{public_room_message}", 404),
    http("POST", "/api/v1/messages/{public_room_message}/reactions", 404, {"emoji": "👍"}),
    # His own group, with her ids inside the request.
    http(
        "POST", "/api/v1/conversations/{mine_group}/read", 400, {"message_id": Id("group_message")}
    ),
    http(
        "POST",
        "/api/v1/conversations/{mine_group}/messages",
        400,
        {"body": "quoting her", "reply_to": Id("group_message")},
    ),
    http(
        "POST",
        "/api/v1/conversations/{mine_group}/messages",
        400,
        {"body": "her file", "attachment_id": Id("group_file")},
    ),
]

CONVERSATION_PAGES = [
    http("GET", "/conversations/{group}", 404),
    http("GET", "/conversations/{direct}", 404),
    http("GET", "/conversations/{private_room}", 404),
    http("GET", "/conversations/{public_room}", 200),  # read-only, with a Join button
    http("GET", "/conversations/{group}/compose", 404),
    http("POST", "/conversations/{group}/delete", 404),
    http("GET", "/conversations/{group}/files/{group_file}", 404),
    http("GET", "/conversations/{public_room}/files/{public_room_file}", 404),
    http("GET", "/conversations/{mine_group}/files/{group_file}", 404),
    http("POST", "/conversations/{private_room}/join", 404),
    http("POST", "/conversations/{group}/leave", 404),
    http("GET", "/conversations/{group}/members", 404),
    http("POST", "/conversations/{group}/members", 404, {"username": "sam"}),
    http("POST", "/conversations/{group}/members/mia/mute", 404, {"minutes": "60"}),
    http("POST", "/conversations/{group}/members/mia/remove", 404),
    http("POST", "/conversations/{group}/members/sam/role", 404, {"role": "admin"}),
    http("POST", "/conversations/{group}/messages", 404, {"body": "hi"}),
    http("POST", "/conversations/{direct}/messages", 404, {"body": "hi"}),
    http("GET", "/conversations/{group}/messages/{group_message}", 404),
    http("GET", "/conversations/{mine_group}/messages/{group_message}", 404),
    http("GET", "/conversations/{group}/messages/{group_message}/edit", 404),
    http("GET", "/conversations/{mine_group}/messages/{group_message}/edit", 404),
    http("POST", "/conversations/{group}/messages/{group_message}/edit", 404, {"body": "x"}),
    http("POST", "/conversations/{mine_group}/messages/{group_message}/edit", 404, {"body": "x"}),
    http("POST", "/conversations/{group}/messages/{group_message}/delete", 404),
    http("POST", "/conversations/{mine_group}/messages/{group_message}/delete", 404),
    http("POST", "/conversations/{group}/messages/{group_message}/react", 404, {"emoji": "👍"}),
    http(
        "POST", "/conversations/{mine_group}/messages/{group_message}/react", 404, {"emoji": "👍"}
    ),
    http("POST", "/conversations/{group}/picture", 404, Upload("image", PNG, "me.png")),
    http("POST", "/conversations/{group}/read", 404, {"message_id": Id("group_message")}),
    http("POST", "/conversations/{group}/settings", 404, {"name": "Sam's now"}),
    http("POST", "/conversations/{group}/typing", 404),
]

PARTY_API = [
    # A private party: not there for him.
    http("GET", "/api/v1/parties/{private_party}", 404),
    # Inviting: only people in the party, and a private one does not exist for others.
    http("GET", "/api/v1/parties/{private_party}/invitable", 404),
    http("POST", "/api/v1/parties/{private_party}/invites", 404, {"username": "mia"}),
    http("POST", "/api/v1/parties/{public_party}/invites", 403, {"username": "mia"}),
    http("GET", "/api/v1/parties/{private_party}/participants", 404),
    http("POST", "/api/v1/parties/{private_party}/leave", 404),
    http("POST", "/api/v1/parties/{private_party}/end", 404),
    http("POST", "/api/v1/parties/{private_party}/start", 404),
    http("GET", "/api/v1/parties/{private_party}/requests", 404),
    http("POST", "/api/v1/parties/{private_party}/requests/mia/approve", 404),
    http("POST", "/api/v1/parties/{private_party}/requests/sam/approve", 404),
    http("POST", "/api/v1/parties/{private_party}/participants/mia/role", 404, {"role": "viewer"}),
    http("DELETE", "/api/v1/parties/{private_party}/participants/mia", 404),
    http("GET", "/api/v1/parties/{private_party}/messages", 404),
    http("POST", "/api/v1/parties/{private_party}/messages", 404, {"body": "hi"}),
    http("GET", "/api/v1/parties/{private_party}/queue", 404),
    http("POST", "/api/v1/parties/{private_party}/queue", 404, {"media_url": SAMS_VIDEO}),
    http(
        "POST",
        "/api/v1/parties/{private_party}/queue/order",
        404,
        {"item_ids": [Id("private_party_item")]},
    ),
    http("POST", "/api/v1/parties/{private_party}/queue/{private_party_item}/accept", 404),
    http("DELETE", "/api/v1/parties/{private_party}/queue/{private_party_item}", 404),
    # His own party, with her queue item.
    http("POST", "/api/v1/parties/{mine_party}/queue/{private_party_item}/accept", 404),
    http("DELETE", "/api/v1/parties/{mine_party}/queue/{public_party_item}", 404),
    http(
        "POST",
        "/api/v1/parties/{mine_party}/queue/order",
        400,
        {"item_ids": [Id("mine_item"), Id("private_party_item")]},
    ),
    # A friends-only party of someone who is not his friend: visible, closed to him.
    http("POST", "/api/v1/parties/join", 403, {"code": "{friends_party_code}"}),
    http("GET", "/api/v1/parties/{friends_party}/participants", 403),
    http("GET", "/api/v1/parties/{friends_party}/messages", 403),
    http("POST", "/api/v1/parties/{friends_party}/messages", 403, {"body": "hi"}),
    http("GET", "/api/v1/parties/{friends_party}/queue", 403),
    # A public party he has not joined: nobody's host but the host.
    http("POST", "/api/v1/parties/{public_party}/end", 403),
    http("POST", "/api/v1/parties/{public_party}/start", 403),
    http("GET", "/api/v1/parties/{public_party}/requests", 403),
    http("POST", "/api/v1/parties/{public_party}/requests/mia/refuse", 403),
    http("POST", "/api/v1/parties/{public_party}/participants/mia/role", 403, {"role": "viewer"}),
    http("DELETE", "/api/v1/parties/{public_party}/participants/mia", 403),
    http("POST", "/api/v1/parties/{public_party}/messages", 403, {"body": "hi"}),
    http("POST", "/api/v1/parties/{public_party}/queue", 403, {"media_url": SAMS_VIDEO}),
    http("POST", "/api/v1/parties/{public_party}/queue/{public_party_item}/accept", 403),
    http("DELETE", "/api/v1/parties/{public_party}/queue/{public_party_item}", 403),
    http(
        "POST",
        "/api/v1/parties/{public_party}/queue/order",
        403,
        {"item_ids": [Id("public_party_item")]},
    ),
]

PARTY_PAGES = [
    http("GET", "/parties/{private_party}", 404),
    http("GET", "/parties/{private_party}/invite", 404),
    http("POST", "/parties/{private_party}/invite", 404, {"username": "mia"}),
    http("GET", "/parties/{private_party}/people", 404),
    http("GET", "/parties/{private_party}/queue", 404),
    http("POST", "/parties/{private_party}/join", 404),
    http("POST", "/parties/{private_party}/leave", 404),
    http("POST", "/parties/{private_party}/end", 404),
    http("POST", "/parties/{private_party}/start", 404),
    http("POST", "/parties/{private_party}/next", 404),
    http("POST", "/parties/{private_party}/messages", 404, {"body": "hi"}),
    http("POST", "/parties/{private_party}/reactions", 404, {"emoji": "🎉"}),
    http("POST", "/parties/{private_party}/participants/mia/remove", 404),
    http("POST", "/parties/{private_party}/participants/mia/role", 404, {"role": "viewer"}),
    http("POST", "/parties/{private_party}/requests/sam/approve", 404),
    http("POST", "/parties/{private_party}/queue", 404, {"media_url": SAMS_VIDEO}),
    http("POST", "/parties/{private_party}/queue/{private_party_item}/accept", 404),
    http("POST", "/parties/{private_party}/queue/{private_party_item}/remove", 404),
    http("POST", "/parties/{private_party}/queue/{private_party_item}/up", 404),
    http("POST", "/parties/{mine_party}/queue/{private_party_item}/accept", 404),
    http("POST", "/parties/{mine_party}/queue/{private_party_item}/remove", 404),
    http("POST", "/parties/{mine_party}/queue/{private_party_item}/down", 404),
    http("POST", "/parties/{friends_party}/join", 403),
    http("POST", "/parties/{public_party}/end", 403),
    http("POST", "/parties/{public_party}/next", 403),
    http("POST", "/parties/{public_party}/participants/mia/remove", 403),
]

NOTIFICATIONS_AND_REPORTS = [
    # Someone else's notifications: ids that are not yours are ignored.
    http("POST", "/api/v1/notifications/read", 200, {"ids": [Id("notification")]}),
    http("POST", "/notifications/read", 302, {"id": Id("notification")}),
    # Reports: only of what you can see.
    http(
        "POST",
        "/api/v1/reports",
        404,
        {"subject_type": "message", "subject_id": Id("group_message"), "reason": "x"},
    ),
    http(
        "POST",
        "/api/v1/reports",
        404,
        {"subject_type": "party", "subject_id": Id("private_party"), "reason": "x"},
    ),
    http(
        "POST",
        "/api/v1/reports",
        404,
        {"subject_type": "room", "subject_id": Id("private_room"), "reason": "x"},
    ),
    http(
        "POST",
        "/api/v1/reports",
        404,
        {"subject_type": "room", "subject_id": Id("group"), "reason": "x"},
    ),
    http(
        "POST",
        "/api/v1/reports",
        404,
        {"subject_type": "group", "subject_id": Id("group"), "reason": "x"},
    ),
    http(
        "POST",
        "/api/v1/reports",
        404,
        {"subject_type": "group", "subject_id": Id("public_room"), "reason": "x"},
    ),
    # The report pages: the form and its post, only for what you can see.
    http("GET", "/report/message/{group_message}", 404),
    http("POST", "/report/message/{group_message}", 404, {"reason": "spam"}),
    http("GET", "/report/party/{private_party}", 404),
    http("POST", "/report/room/{private_room}", 404, {"reason": "spam"}),
    http("GET", "/report/group/{group}", 404),
    http("POST", "/report/group/{group}", 404, {"reason": "spam"}),
]

PL, UL, PUBL = "{private_playlist}", "{unlisted_playlist}", "{public_playlist}"
PLAYLIST_API = [
    # A private or unlisted playlist (without its token): not there for him.
    http("GET", f"/api/v1/playlists/{PL}", 404),
    http("GET", f"/api/v1/playlists/{UL}", 404),
    http("PATCH", f"/api/v1/playlists/{PL}", 404, {"title": "sam's now"}),
    http("DELETE", f"/api/v1/playlists/{PL}", 404),
    http("POST", f"/api/v1/playlists/{PL}/items", 404, {"video_url": SAMS_VIDEO}),
    http("DELETE", f"/api/v1/playlists/{PL}/items/{{private_playlist_item}}", 404),
    http(
        "POST",
        f"/api/v1/playlists/{PL}/items/{{private_playlist_item}}/move",
        404,
        {"position": 0, "version": 0},
    ),
    http("POST", f"/api/v1/playlists/{PL}/collaborators/sam", 404),
    http("DELETE", f"/api/v1/playlists/{PL}/collaborators/mia", 404),
    http("POST", f"/api/v1/playlists/{PL}/follow", 404),
    http("POST", f"/api/v1/playlists/{UL}/follow", 404),
    http("DELETE", f"/api/v1/playlists/{PL}/follow", 404),
    # A public one he may see but not change.
    http("PATCH", f"/api/v1/playlists/{PUBL}", 403, {"title": "sam's now"}),
    http("DELETE", f"/api/v1/playlists/{PUBL}", 403),
    http("POST", f"/api/v1/playlists/{PUBL}/items", 403, {"video_url": SAMS_VIDEO}),
    http("DELETE", f"/api/v1/playlists/{PUBL}/items/{{public_playlist_item}}", 403),
    http(
        "POST",
        f"/api/v1/playlists/{PUBL}/items/{{public_playlist_item}}/move",
        403,
        {"position": 0, "version": 1},
    ),
    http("POST", f"/api/v1/playlists/{PUBL}/collaborators/sam", 403),
    http("DELETE", f"/api/v1/playlists/{PUBL}/collaborators/mia", 403),
    # Her items through his own playlist.
    http("DELETE", "/api/v1/playlists/{mine_playlist}/items/{private_playlist_item}", 404),
    http(
        "POST",
        "/api/v1/playlists/{mine_playlist}/items/{private_playlist_item}/move",
        404,
        {"position": 0, "version": 1},
    ),
]

PLAYLIST_PAGES = [
    # The same through the playlist pages: not there for him, or not his to change.
    http("GET", f"/playlists/{PL}", 404),
    http("GET", f"/playlists/{UL}", 404),
    http("POST", f"/playlists/{PL}/edit", 404, {"title": "sam's now", "visibility": "public"}),
    http("POST", f"/playlists/{PL}/delete", 404, {"confirm": "yes"}),
    http("POST", f"/playlists/{PL}/follow", 404),
    http("POST", f"/playlists/{UL}/follow", 404),
    http("POST", f"/playlists/{PL}/items", 404, {"video_url": SAMS_VIDEO}),
    http("POST", f"/playlists/{PL}/items/{{private_playlist_item}}/remove", 404),
    http(
        "POST",
        f"/playlists/{PL}/items/{{private_playlist_item}}/move",
        404,
        {"position": 0, "version": 1},
    ),
    http("POST", f"/playlists/{PL}/collaborators", 404, {"username": "sam"}),
    http("POST", f"/playlists/{PL}/collaborators/mia/remove", 404),
    http("POST", f"/playlists/{PUBL}/edit", 403, {"title": "sam's now", "visibility": "public"}),
    http("POST", f"/playlists/{PUBL}/delete", 403, {"confirm": "yes"}),
    http("POST", f"/playlists/{PUBL}/items", 403, {"video_url": SAMS_VIDEO}),
    http("POST", f"/playlists/{PUBL}/items/{{public_playlist_item}}/remove", 403),
    http(
        "POST",
        f"/playlists/{PUBL}/items/{{public_playlist_item}}/move",
        403,
        {"position": 0, "version": 1},
    ),
    http("POST", f"/playlists/{PUBL}/collaborators", 403, {"username": "sam"}),
    http("POST", f"/playlists/{PUBL}/collaborators/mia/remove", 403),
    http("POST", "/playlists/{mine_playlist}/items/{private_playlist_item}/remove", 404),
    http(
        "POST",
        "/playlists/{mine_playlist}/items/{private_playlist_item}/move",
        404,
        {"position": 0, "version": 1},
    ),
]

ADMIN = [
    # Moderation does not exist for someone who is not staff.
    http("GET", "/api/v1/admin/reports", 404),
    http("POST", "/api/v1/admin/reports/{report}/resolve", 404, {"action": "dismiss"}),
    http("POST", "/api/v1/admin/users/vera/ban", 404, {"reason": "mine now"}),
    http("DELETE", "/api/v1/admin/users/vera/ban", 404),
    http("POST", "/api/v1/admin/users/vera/mute", 404, {"minutes": 60}),
    http("POST", "/api/v1/admin/users/vera/warn", 404, {"text": "behave"}),
    http("POST", "/api/v1/admin/users/sam/role", 404, {"role": "admin"}),
    http("DELETE", "/api/v1/admin/messages/{group_message}", 404),
    http("POST", "/api/v1/admin/parties/{private_party}/end", 404, {"reason": "x"}),
    http("POST", "/api/v1/admin/rooms/{private_room}/close", 404, {"reason": "x"}),
    http("GET", "/api/v1/admin/audit", 404),
    http("POST", "/api/v1/admin/announcements", 404, {"body": "Sam was here"}),
    http("DELETE", "/api/v1/admin/announcements/{announcement}", 404),
    http("GET", "/admin/announcements", 404),
    http("POST", "/admin/announcements", 404, {"body": "Sam was here"}),
    http("POST", "/admin/announcements/{announcement}/withdraw", 404),
    http("GET", "/admin/users/vera", 404),
    http("POST", "/admin/reports/{report}/resolve", 404, {"action": "dismiss"}),
    http("POST", "/admin/users/vera/ban", 404, {"reason": "mine now"}),
    http("POST", "/admin/users/vera/unban", 404),
    http("POST", "/admin/users/vera/mute", 404, {"minutes": "60"}),
    http("POST", "/admin/users/vera/warn", 404, {"text": "behave"}),
    http("POST", "/admin/users/sam/role", 404, {"role": "admin"}),
    http("POST", "/admin/parties/{private_party}/end", 404, {"reason": "x"}),
    http("POST", "/admin/rooms/{private_room}/close", 404, {"reason": "x"}),
]

POSTS = [
    # vera's friends-only post does not exist for him; her public one he may not change.
    http("GET", "/api/v1/posts/{friends_post}", 404),
    http("PATCH", "/api/v1/posts/{friends_post}", 404, {"text": "mine now"}),
    http("DELETE", "/api/v1/posts/{friends_post}", 404),
    http("POST", "/api/v1/posts/{friends_post}/like", 404),
    http("DELETE", "/api/v1/posts/{friends_post}/like", 404),
    http("GET", "/api/v1/posts/{friends_post}/likes", 404),
    http("PATCH", "/api/v1/posts/{public_post}", 403, {"text": "mine now"}),
    http("DELETE", "/api/v1/posts/{public_post}", 403),
    # Taking a post down is a moderation action: not there for him.
    http("DELETE", "/api/v1/admin/posts/{public_post}", 404),
    # The same through the pages.
    http("GET", "/posts/{friends_post}", 404),
    http("GET", "/posts/{friends_post}/likes", 404),
    http("GET", "/posts/{friends_post}/image", 404),
    http("GET", "/posts/{friends_post}/edit", 404),
    http("POST", "/posts/{friends_post}/edit", 404, {"text": "mine now"}),
    http("POST", "/posts/{friends_post}/delete", 404, {"confirm": "yes"}),
    http("POST", "/posts/{friends_post}/like", 404),
    http("POST", "/posts/{friends_post}/unlike", 404),
    http("GET", "/posts/{public_post}/edit", 403),
    http("POST", "/posts/{public_post}/edit", 403, {"text": "mine now"}),
    http("POST", "/posts/{public_post}/delete", 403, {"confirm": "yes"}),
]

CLIPS = [
    # vera's clip he may watch (its code is its link) but not change or take down.
    http("PATCH", "/api/v1/clips/{clip_code}", 403, {"title": "sam's now"}),
    http("DELETE", "/api/v1/clips/{clip_code}", 403),
    http("POST", "/c/{clip_code}", 403, {"title": "sam's now", "start": "0", "end": "5"}),
    http("POST", "/c/{clip_code}/delete", 403),
    http("DELETE", "/api/v1/admin/clips/{clip}", 404),
    # Clipping a party he is not in: a private one does not exist for him.
    http("POST", "/api/v1/parties/{private_party}/clip", 404),
    http("POST", "/parties/{private_party}/clip", 404),
]

PLAYLIST_PARTIES = [
    # A party from her private playlist, or her private party's queue kept: not there.
    http("POST", "/api/v1/playlists/{private_playlist}/party", 404, {"title": "sam's"}),
    http("POST", "/playlists/{private_playlist}/party", 404, {"title": "sam's"}),
    http("POST", "/api/v1/parties/{private_party}/queue/save", 404, {}),
    http("POST", "/parties/{private_party}/queue/save", 404),
    http(
        "POST",
        "/api/v1/parties/{private_party}/queue/keep",
        404,
        {"playlist_id": "{mine_playlist}"},
    ),
    http("POST", "/parties/{private_party}/queue/keep", 404, {"playlist_id": "{mine_playlist}"}),
    # His own party's video into her private playlist: that playlist is not there for him.
    http(
        "POST",
        "/api/v1/parties/{mine_party}/queue/keep",
        404,
        {"playlist_id": "{private_playlist}"},
    ),
]

COMMENTS = [
    # The comments under vera's friends-only post do not exist for him; mia's comment
    # under her public post he may not change (only its author, or the post's, may).
    http("GET", "/api/v1/posts/{friends_post}/comments", 404),
    http("POST", "/api/v1/posts/{friends_post}/comments", 404, {"text": "sam was here"}),
    http("PATCH", "/api/v1/comments/{friends_comment}", 404, {"text": "mine now"}),
    http("DELETE", "/api/v1/comments/{friends_comment}", 404),
    http("POST", "/api/v1/comments/{friends_comment}/like", 404),
    http("DELETE", "/api/v1/comments/{friends_comment}/like", 404),
    http("GET", "/api/v1/comments/{friends_comment}/likes", 404),
    http("PATCH", "/api/v1/comments/{public_comment}", 403, {"text": "mine now"}),
    http("DELETE", "/api/v1/comments/{public_comment}", 403),
    # Taking a comment down is a moderation action: not there for him.
    http("DELETE", "/api/v1/admin/comments/{public_comment}", 404),
    # The same on the post's page: its thread and forms.
    http("GET", "/posts/{friends_post}/comments", 404),
    http("POST", "/posts/{friends_post}/comments", 404, {"text": "sam was here"}),
    http("POST", "/posts/{friends_post}/typing", 404),
    http("POST", "/comments/{friends_comment}/delete", 404),
    http("POST", "/comments/{friends_comment}/like", 404),
    http("POST", "/comments/{public_comment}/delete", 403),
]

ACCOUNT = [
    # Someone else's browser sign-in or API token: not there for him.
    http("DELETE", "/api/v1/me/sessions/{sign_in}", 404),
    http("DELETE", "/api/v1/me/tokens/{token}", 404),
    http("POST", "/settings/sessions/{sign_in}/revoke", 404),
    http("POST", "/settings/tokens/{token}/revoke", 404),
]

HTTP_ATTACKS = (
    CONVERSATION_API + CONVERSATION_PAGES + PARTY_API + PARTY_PAGES + NOTIFICATIONS_AND_REPORTS
)
HTTP_ATTACKS += ADMIN + ACCOUNT + PLAYLIST_API + POSTS + CLIPS + PLAYLIST_PARTIES + COMMENTS
HTTP_ATTACKS += PLAYLIST_PAGES

# Routes that take a name or id but guard no one's private object, each for a reason.
NOT_OBJECT_SCOPED = {
    "static": "the site's own public files",
    "social.avatar": "avatars are shown to every signed-in person, by design",
    "social.profile": "profiles are public to signed-in people",
    "social.people_list": "followers and following are public to signed-in people",
    "social.act": "follow and block change only the caller's own relations",
    "api.user_profile": "profiles are public to signed-in people",
    "api.people": "followers and following are public to signed-in people",
    "api.follow": "changes only the caller's own relations",
    "api.unfollow": "changes only the caller's own relations",
    "api.block": "changes only the caller's own relations",
    "api.unblock": "changes only the caller's own relations",
    "parties.invite": "the invite code is the key: holding it is what lets one in",
    "parties.join": "the invite code is the key: holding it is what lets one in",
    "announcements.dismiss": "announcements are for everyone; it closes the caller's banner",
    "api.announcements_dismiss": "announcements are for everyone; it closes the caller's banner",
    "api.user_playlists": "lists only what the caller may see (tested below)",
    "api.user_posts": "lists only the posts of that person the caller may see",
    "clips.show": "a clip's code is its link: anyone signed in who has it may watch",
    "api.clip_get": "a clip's code is its link: anyone signed in who has it may watch",
    "api.clips_of_user": "lists only that person's clips, none across a block",
}


# -- Socket.IO --------------------------------------------------------------------------
@dataclass(frozen=True)
class Emit:
    event: str
    payload: dict
    code: str  # the error code of the ack

    def __str__(self) -> str:
        return self.event


def emit(event: str, code: str, **payload: Any):
    attempt = Emit(event, payload, code)
    target = ",".join(f"{k}={v.key if isinstance(v, Id) else v}" for k, v in payload.items())
    return pytest.param(attempt, id=f"{event}({target}) -> {code}")


G, M = Id("group"), Id("group_message")
PRIV, FRIENDS, PUB = Id("private_party"), Id("friends_party"), Id("public_party")
SOCKET_ATTACKS = [
    emit("message:send", "not_found", conversation_id=G, body="hi"),
    emit("message:send", "not_found", conversation_id=Id("direct"), body="hi"),
    emit("message:send", "not_found", conversation_id=Id("private_room"), body="hi"),
    emit("message:send", "not_member", conversation_id=Id("public_room"), body="hi"),
    emit("message:send", "invalid", conversation_id=Id("mine_group"), body="re", reply_to=M),
    emit(
        "message:send",
        "invalid",
        conversation_id=Id("mine_group"),
        body="",
        attachment_id=Id("group_file"),
    ),
    emit("message:edit", "not_found", message_id=M, body="edited by sam"),
    emit("message:edit", "not_found", message_id=Id("public_room_message"), body="sam"),
    emit("message:delete", "not_found", message_id=M),
    emit("message:delete", "not_found", message_id=Id("direct_message")),
    emit("message:delete", "not_found", message_id=Id("public_room_message")),
    emit("message:react", "not_found", message_id=M, emoji="👍"),
    emit("message:react", "not_found", message_id=Id("public_room_message"), emoji="👍"),
    emit("message:read", "not_found", conversation_id=G, message_id=M),
    emit("message:read", "invalid", conversation_id=Id("mine_group"), message_id=M),
    emit("typing:start", "not_found", conversation_id=G),
    emit("typing:start", "not_found", conversation_id=Id("direct")),
    emit("typing:start", "not_member", conversation_id=Id("public_room")),
    emit("typing:stop", "not_found", conversation_id=G),
    emit("party:join", "not_found", party_id=PRIV),
    emit("party:join", "friends_only", party_id=FRIENDS),
    emit("party:leave", "not_found", party_id=PRIV),
    emit("party:play", "not_found", party_id=PRIV, position=10),
    emit("party:play", "not_participant", party_id=PUB, position=10),
    emit("party:pause", "not_found", party_id=PRIV, position=10),
    emit("party:pause", "not_participant", party_id=PUB),
    emit("party:seek", "not_found", party_id=PRIV, position=99),
    emit("party:seek", "not_participant", party_id=PUB, position=99),
    emit("party:rate", "not_found", party_id=PRIV, rate=2),
    emit("party:rate", "not_participant", party_id=PUB, rate=2),
    emit("party:next", "not_found", party_id=PRIV),
    emit("party:next", "not_participant", party_id=PUB),
    emit("party:heartbeat", "not_found", party_id=PRIV, position=1, playing=True),
    emit("party:duration", "not_found", party_id=PRIV, media_url="x", duration=9),
    emit("party:duration", "not_participant", party_id=PUB, media_url="x", duration=9),
    emit("party:media_end", "not_found", party_id=PRIV, version=0),
    emit("party:media_end", "not_participant", party_id=PUB, version=0),
    emit("party:message", "not_found", party_id=PRIV, body="hi"),
    emit("party:message", "not_participant", party_id=FRIENDS, body="hi"),
    emit("party:message", "not_participant", party_id=PUB, body="hi"),
    emit("party:reaction", "not_found", party_id=PRIV, emoji="🎉"),
    emit("party:reaction", "not_participant", party_id=PUB, emoji="🎉"),
    emit("party:typing", "not_found", party_id=PRIV, typing=True),
    emit("party:role", "not_found", party_id=PRIV, user_id=Id("user:mia"), role="viewer"),
    emit("party:role", "not_participant", party_id=PUB, user_id=Id("user:mia"), role="viewer"),
    emit("party:role", "not_participant", party_id=PUB, user_id=Id("user:sam"), role="co-host"),
    emit("comment:typing", "not_found", post_id=Id("friends_post")),
]
OBJECT_EVENT_PREFIXES = ("conversation:", "message:", "typing:", "party:", "comment:")


# -- the machinery ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Flask, World]]:
    app = make_app(tmp_path_factory.mktemp("authorization"), **GENEROUS_LIMITS)
    yield app, build_world(app)
    with app.app_context():
        db.engine.dispose()


def names(world: World, ghost: bool = False) -> dict[str, Any]:
    """What the placeholders stand for; with `ghost`, her ids become ids nobody has
    (his own stay his), which is what "does not exist" must look like."""
    values: dict[str, Any] = {
        key: GHOST_ID if ghost and not key.startswith("mine_") else value
        for key, value in world.ids.items()
    }
    values.update({f"user:{name}": uid for name, uid in world.user_ids.items()})
    values.update({f"{key}_code": code for key, code in world.codes.items()})
    return values


def resolve(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, Id):
        return values[value.key]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return values[value[1:-1]]
    if isinstance(value, dict):
        return {key: resolve(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, values) for item in value]
    return value


class Spy:
    """Records what reaches the event bus while it is installed."""

    def __init__(self, monkeypatch, own_channel: str) -> None:
        self.own_channel = own_channel
        self.published: list = []
        self.subscribed: list = []
        announce, subscribe = bus.announce, bus.subscribe_user

        def spy_announce(envelopes):
            self.published.extend(
                (e.channel, e.name, e.data) for e in envelopes if e.channel != CONTROL_CHANNEL
            )
            return announce(envelopes)

        def spy_subscribe(user_id, channel):
            self.subscribed.append((user_id, channel))
            return subscribe(user_id, channel)

        monkeypatch.setattr(bus, "announce", spy_announce)
        monkeypatch.setattr(bus, "subscribe_user", spy_subscribe)

    def assert_quiet(self) -> None:
        """Nobody was told anything, except perhaps the attacker about his own request
        (a read receipt of ids he sent goes to his own tabs), and nobody subscribed."""
        assert [item for item in self.published if item[0] != self.own_channel] == []
        assert self.subscribed == []


def send(app: Flask, world: World, attack: Attack, values: Mapping[str, Any], sam: dict):
    """One attempt by sam: bearer token on the API, his browser session on pages."""
    url = attack.path.format_map(values)
    kwargs: dict[str, Any] = {"method": attack.method}
    if isinstance(attack.body, Upload):
        kwargs["data"] = {attack.body.field: (io.BytesIO(attack.body.data), attack.body.name)}
        kwargs["content_type"] = "multipart/form-data"
    elif attack.body is not None and url.startswith("/api/"):
        kwargs["json"] = resolve(attack.body, values)
    elif attack.body is not None:
        kwargs["data"] = {k: str(v) for k, v in resolve(attack.body, values).items()}
    if url.startswith("/api/"):
        return app.test_client().open(url, headers=sam["bearer"], **kwargs)
    if "data" in kwargs and "content_type" not in kwargs:
        kwargs["data"]["csrf_token"] = sam["csrf"]
    return sam["browser"].open(url, headers={"X-CSRFToken": sam["csrf"]}, **kwargs)


@pytest.fixture
def sam(site) -> dict:
    app, world = site
    browser = signed_in(app, "sam")
    return {"bearer": world.bearer("sam"), "browser": browser, "csrf": csrf_token(browser)}


# -- the tests --------------------------------------------------------------------------
@pytest.mark.parametrize("attack", HTTP_ATTACKS)
def test_stranger_cannot_reach_anothers_object(site, sam, monkeypatch, attack: Attack):
    app, world = site
    with app.app_context():
        before = stored_state()
    spy = Spy(monkeypatch, user_channel(world.user_ids["sam"]))

    response = send(app, world, attack, names(world), sam)
    assert response.status_code == attack.status, response.get_data(as_text=True)[:300]
    if attack.status == 404:
        nobodys = send(app, world, attack, names(world, ghost=True), sam)
        assert nobodys.status_code == 404
        if response.is_json:  # word for word as for an id nobody ever had
            assert response.get_json() == nobodys.get_json()
    elif attack.status == 403:
        assert response.get_json() is None or response.get_json()["error"]["message"]

    with app.app_context():
        assert changes_between(before, stored_state()) == {}
    spy.assert_quiet()


@pytest.mark.parametrize("attempt", SOCKET_ATTACKS)
def test_stranger_socket_event_cannot_reach_anothers_object(site, monkeypatch, attempt: Emit):
    app, world = site
    client = socketio.test_client(app, auth={"token": world.token("sam")})
    assert client.is_connected()
    try:
        with app.app_context():
            before = stored_state()
        spy = Spy(monkeypatch, user_channel(world.user_ids["sam"]))

        ack = client.emit(attempt.event, resolve(attempt.payload, names(world)), callback=True)
        assert ack["ok"] is False, ack
        assert ack["error"]["code"] == attempt.code, ack
        if attempt.code == "not_found":
            ghost = resolve(attempt.payload, names(world, ghost=True))
            assert client.emit(attempt.event, ghost, callback=True) == ack

        with app.app_context():
            assert changes_between(before, stored_state()) == {}
        spy.assert_quiet()
        assert [event["name"] for event in client.get_received()] == []
    finally:
        client.disconnect()


def test_every_id_taking_route_is_attacked(site):
    """A new route that takes an id needs a row above (or a reason not to)."""
    app, world = site
    adapter = app.url_map.bind("tandem.test")
    attacked = set()
    for param in HTTP_ATTACKS:
        attack = param.values[0]
        endpoint, _args = adapter.match(attack.path.format_map(names(world)), method=attack.method)
        attacked.add((endpoint, attack.method))
    takes_ids = {
        (route.endpoint, route.method)
        for route in collected_routes()
        if route.arguments - route.selectors
    }
    missing = takes_ids - attacked - {(e, m) for e, m in takes_ids if e in NOT_OBJECT_SCOPED}
    assert sorted(missing) == []
    assert set(NOT_OBJECT_SCOPED) <= {endpoint for endpoint, _ in takes_ids}


def test_every_object_socket_event_is_attacked():
    events = {e for e in collected_socket_events() if e.startswith(OBJECT_EVENT_PREFIXES)}
    attacked = {param.values[0].event for param in SOCKET_ATTACKS}
    assert sorted(events - attacked) == []


# -- what is not addressed by id, but still must not spill ------------------------------
def test_stranger_lists_and_searches_show_nothing_private(site, sam):
    app, world = site
    client = app.test_client()
    api = sam["bearer"]

    mine = client.get("/api/v1/conversations", headers=api).get_json()["conversations"]
    assert [c["id"] for c in mine] == [world["mine_group"]]
    found = client.get("/api/v1/search?q=vera", headers=api).get_json()["results"]
    private = ("direct", "group", "private_room")
    hidden = {
        ("message", world[f"{key}_{which}"]) for key in private for which in ("message", "reply")
    }
    hidden |= {("room", world["group"]), ("room", world["private_room"])}
    assert found
    assert not {(r["kind"], r["id"]) for r in found} & hidden
    rooms = client.get("/api/v1/rooms", headers=api).get_json()["rooms"]
    assert [r["id"] for r in rooms] == [world["public_room"]]
    live = client.get("/api/v1/parties?status=live", headers=api).get_json()["parties"]
    assert world["private_party"] not in [p["id"] for p in live]
    notes = client.get("/api/v1/notifications", headers=api).get_json()["notifications"]
    assert all(n["id"] != world["notification"] for n in notes)
    lists = client.get("/api/v1/users/vera/playlists", headers=api).get_json()["playlists"]
    assert [p["id"] for p in lists] == [world["public_playlist"]]
    own = client.get("/api/v1/playlists", headers=api).get_json()["playlists"]
    assert [p["id"] for p in own] == [world["mine_playlist"]]

    page = sam["browser"].get("/search?q=vera").get_data(as_text=True)
    assert "vera in group" not in page
    assert "vera in direct" not in page


def test_settings_forms_change_only_the_signed_in_account(site, sam):
    """Settings take no id; smuggling one in (as a form field) reaches nobody else."""
    app, world = site
    vera_id = world.user_ids["vera"]

    def veras() -> tuple:
        with app.app_context():
            user = db.session.get(User, vera_id)
            mutes = db.session.scalars(
                select(NotificationMute.kind).where(NotificationMute.user_id == vera_id)
            ).all()
            return (user.display_name, user.bio, user.avatar_color, user.avatar_file, mutes)

    before = veras()
    browser, token = sam["browser"], sam["csrf"]
    smuggled = {"csrf_token": token, "user_id": str(vera_id), "username": "vera", "id": vera_id}
    profile = browser.post(
        "/settings/profile",
        data={**smuggled, "display_name": "Sam Prime", "bio": "hi", "avatar_color": "3"},
    )
    assert profile.status_code == 302
    browser.post("/settings/notifications", data={**smuggled, "enabled": []})
    browser.post("/settings/avatar", data={**smuggled, "remove": "1"})

    status = browser.post("/settings/status", data={**smuggled, "status": "busy", "text": "Sam"})
    assert status.status_code == 302
    api = browser.post(
        "/api/v1/me/presence",
        json={"user_id": vera_id, "username": "vera", "status": "away", "text": "Sam again"},
        headers=sam["bearer"],
    )
    assert api.status_code == 200

    assert veras() == before
    with app.app_context():
        assert db.session.get(User, world.user_ids["sam"]).display_name == "Sam Prime"
        assert presence.mine(vera_id)["status"] == "online"
        assert presence.mine(vera_id)["text"] == ""
        assert presence.mine(world.user_ids["sam"])["text"] == "Sam again"

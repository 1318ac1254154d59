"""The events of comments on posts, declared for the contract in realtime/events.py.

They go on the channel of their post (`posts:<author>:<audience>`), so exactly the people
who hear of the post hear of its comments. Durable: `comment:created` and
`comment:updated` (the comment, redacted when it goes), `comment:deleted` (no text) and
`comment:liked` (the count now). Ephemeral: `comment:typing`, someone writing a comment
under the post now (it stops by itself on the reader's side: no stop is sent).
"""

from __future__ import annotations

from typing import Any

from realtime.event_schema import ChannelKind, Event, Shape
from realtime.event_shapes import COMMENT, USER_SUMMARY

CREATED = "comment:created"
UPDATED = "comment:updated"
DELETED = "comment:deleted"
LIKED = "comment:liked"
TYPING = "comment:typing"


def comment_events(posts: ChannelKind) -> tuple[Event, ...]:
    """The declarations, on the posts channel kind `posts`."""
    ids = {"post_id": int, "comment_id": int}
    return (
        Event(CREATED, True, {posts: COMMENT}),
        Event(UPDATED, True, {posts: COMMENT}),
        Event(DELETED, True, {posts: Shape(ids)}),
        Event(LIKED, True, {posts: Shape({**ids, "likes": int})}),
        Event(TYPING, False, {posts: Shape({"post_id": int, "user": USER_SUMMARY})}),
    )


def comment_subject(name: str, data: dict[str, Any]) -> str | None:
    """What a stored comment event describes ("comment:7"), for its redaction."""
    if name in (CREATED, UPDATED):
        return f"comment:{data.get('id')}"
    return None

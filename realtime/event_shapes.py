"""The payload shapes that recur across the event contract (realtime/events.py): a
message, a conversation, a member, a notification, a party's state and its people, a
queue item, an announcement. Their vocabulary is realtime/event_schema.py."""

from __future__ import annotations

from realtime.event_schema import NUMBER, ListOf, Nullable, OneOf, Shape

TIME = str  # ISO 8601 in UTC with a Z
# A deleted account's summary adds "deleted": true (its display name "Deleted account").
USER_SUMMARY = Shape({"id": int, "username": str, "display_name": str}, {"deleted": bool})
ATTACHMENT = Shape({"id": int, "name": str, "content_type": str, "size": int, "url": str})
MESSAGE = Shape(
    {
        "id": int,
        "conversation_id": int,
        "sender": Nullable(USER_SUMMARY),
        "kind": OneOf("text", "system"),
        "body": str,
        "created_at": TIME,
        "edited_at": Nullable(TIME),
        "deleted": bool,
        "reply_to": Nullable(int),
        "client_id": Nullable(str),
        "attachment": Nullable(ATTACHMENT),
        "reactions": ListOf(Shape({"emoji": str, "count": int, "user_ids": ListOf(int)})),
    }
)
CONVERSATION_SHAPE = Shape(
    {
        "id": int,
        "kind": OneOf("direct", "group", "room"),
        "name": str,
        "description": str,
        "category": str,
        "visibility": OneOf("public", "private"),
        "member_limit": int,
        "member_count": int,
        "image_url": Nullable(str),
        "created_at": TIME,
    },
    # The other person, in a direct conversation shaped for one of its two people.
    {"other": Nullable(USER_SUMMARY)},
)
MEMBER = Shape(
    {
        "conversation_id": int,
        "user": USER_SUMMARY,
        "role": OneOf("owner", "admin", "member"),
        "joined_at": TIME,
        "muted_until": Nullable(TIME),
        "by": Nullable(USER_SUMMARY),
    }
)
NOTIFICATION = Shape(
    {
        "id": int,
        "kind": OneOf(
            "follow",
            "message",
            "mention",
            "party_invite",
            "party_started",
            "moderation",
            "conversation_invite",
            "playlist_invite",
            "playlist_item",
            "post_liked",
            "post_commented",
            "comment_replied",
        ),
        "actor": Nullable(USER_SUMMARY),
        "subject": Shape(
            {
                "type": OneOf(
                    "user",
                    "message",
                    "conversation",
                    "party",
                    "report",
                    "warning",
                    "removal",
                    "mute",
                    "playlist",
                    "post",
                    "comment",
                )
            },
            # `code`: a party invitation's way in (a private party's key, given by its people);
            # `ended`: the party of an invitation or a start is over (and `code` is gone).
            # `gone`: the reader of a conversation's invitation is no longer in it.
            # `what`: the kind of thing of theirs a moderator removed (a removal);
            # `until`: when a site-wide mute ends (none: it was lifted).
            # `post_id`, `parent_id`: a comment's post, and the comment it answers (or none).
            # `following`: the playlist added to is one the person follows, not theirs.
            {
                "id": int,
                "conversation_id": int,
                "text": str,
                "code": str,
                "ended": bool,
                "gone": bool,
                "what": str,
                "until": str,
                "post_id": int,
                "parent_id": Nullable(int),
                "following": bool,
            },
        ),
        "count": int,
        "created_at": TIME,
        "read": bool,
        "unread_count": int,
    }
)
PARTY_STATE = Shape(
    {
        "party_id": int,
        "media_url": str,
        "media_title": str,
        "playing": bool,
        "position": NUMBER,
        "rate": NUMBER,
        "at": NUMBER,
        "version": int,
        "host_id": int,
        "duration": Nullable(NUMBER),
        "status": OneOf("upcoming", "live", "ended"),
    }
)
PARTICIPANT = Shape(
    {
        "party_id": int,
        "user": USER_SUMMARY,
        "role": OneOf("host", "co-host", "viewer"),
        "status": OneOf("active", "pending", "left", "removed", "refused"),
        "joined_at": TIME,
    }
)
PARTY_MESSAGE = Shape(
    {
        "id": int,
        "party_id": int,
        "sender": Nullable(USER_SUMMARY),
        "body": str,
        "video_time": Nullable(NUMBER),
        "client_id": Nullable(str),
        "created_at": TIME,
    }
)
QUEUE_ITEM = Shape(
    {
        "id": int,
        "media_url": str,
        "title": str,
        "position": int,
        "status": OneOf("queued", "suggested", "played"),
        "added_by": Nullable(int),
        "created_at": TIME,
    }
)
PARTY_ONLY = Shape({"party_id": int})
ANNOUNCEMENT = Shape(
    {
        "id": int,
        "body": str,
        "author": Nullable(USER_SUMMARY),
        "created_at": TIME,
        "expires_at": TIME,
    }
)


# -- playlists --------------------------------------------------------------------------
PLAYLIST = Shape(
    {
        "id": int,
        "title": str,
        "description": str,
        "visibility": OneOf("public", "unlisted", "private"),
        "owner": USER_SUMMARY,
        "version": int,
        "item_count": int,
        "created_at": TIME,
        "updated_at": TIME,
    }
)
PLAYLIST_ITEM = Shape(
    {
        "id": int,
        "playlist_id": int,
        "video_url": str,
        "title": str,
        "start_seconds": Nullable(int),
        "added_by": Nullable(USER_SUMMARY),
        "position": int,
        "created_at": TIME,
    }
)
# `playlist` null: the playlist was deleted.
PLAYLIST_UPDATED = Shape({"playlist_id": int, "version": int, "playlist": Nullable(PLAYLIST)})
PLAYLIST_ITEM_ADDED = Shape({"playlist_id": int, "version": int, "item": PLAYLIST_ITEM})
# `order`: every item id in the playlist's new order.
PLAYLIST_ITEM_MOVED = Shape(
    {"playlist_id": int, "version": int, "item_id": int, "position": int, "order": ListOf(int)}
)
PLAYLIST_ITEM_REMOVED = Shape(
    {"playlist_id": int, "version": int, "item_id": int, "order": ListOf(int)}
)


# A post as every reader of it sees it (a deleted or removed one: no text, no video, no
# image). `image_url`: where a reader who may see the post fetches its image.
POST = Shape(
    {
        "id": int,
        "author": USER_SUMMARY,
        "text": str,
        "video_url": Nullable(str),
        "image_url": Nullable(str),
        "image_alt": Nullable(str),
        "audience": OneOf("public", "followers", "friends"),
        "created_at": TIME,
        "edited_at": Nullable(TIME),
        "deleted": bool,
        "likes": int,
    }
)


# A comment on a post as every reader of it sees it (a deleted or removed one: no text).
# `parent_id`: the top-level comment it replies to; `video_time`: seconds into the video.
COMMENT = Shape(
    {
        "id": int,
        "post_id": int,
        "parent_id": Nullable(int),
        "author": USER_SUMMARY,
        "text": str,
        "video_time": Nullable(NUMBER),
        "created_at": TIME,
        "edited_at": Nullable(TIME),
        "deleted": bool,
        "likes": int,
    }
)

"""What a stored event describes, and whose own channel carries it: so that changing or
removing a thing rewrites every stored event that carried its old content, each as its
reader may see it now (store.redact)."""

from __future__ import annotations

from typing import Any

from realtime.comment_events import comment_subject


def subject_of(name: str, data: dict[str, Any]) -> str | None:
    """What a durable event describes ("message:12", "conversation:3"), so that changing or
    removing that thing can rewrite every stored event that carried its old content."""
    if name in ("message:new", "message:updated"):
        return f"message:{data.get('id')}"
    if name in ("notification:new", "notification:updated"):
        subject = data.get("subject")
        if isinstance(subject, dict) and subject.get("type") and subject.get("id"):
            return f"{subject['type']}:{subject['id']}"
        return None
    if name in ("post:created", "post:updated"):
        return f"post:{data.get('id')}"
    if name in ("membership:conversation_updated", "directory:room"):
        return f"conversation:{data.get('id')}"
    if name == "membership:added" and isinstance(data.get("conversation"), dict):
        return f"conversation:{data['conversation'].get('id')}"
    if name == "playlist:updated":
        return f"playlist:{data.get('playlist_id')}"
    if name == "playlist:item_added" and isinstance(data.get("item"), dict):
        return f"playlist_item:{data['item'].get('id')}"
    if name == "announcement:posted":
        return f"announcement:{data.get('id')}"
    return comment_subject(name, data)


def channel_owner(channel: str) -> int | None:
    """Whose own channel `channel` is (`events.user_channel`'s inverse); None for a
    channel shared by many (a conversation's, the directory)."""
    kind, _, user_id = channel.partition(":")
    return int(user_id) if kind == "user" and user_id.isdecimal() else None

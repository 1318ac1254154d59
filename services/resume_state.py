"""What a Socket.IO or JSON SSE connection is sent right after a resume, beside the
parties' playback: its unread counts and the presence of the people its stream follows,
as they are now.

Both change through ephemeral events that no replay brings back (a notification read on
another device, someone going offline), so a client that was away while one was sent
would go on showing the old state. Pages redraw the same as fragments
(`realtime.fragments.page_state`); a long-poll hears only what is published while it
waits, and its client reads counts and presence over HTTP.
"""

from __future__ import annotations

from realtime.channels import channels_for, data_resume_hook
from realtime.events import (
    PRESENCE,
    PRESENCE_OF,
    UNREAD_COUNTS,
    Envelope,
    presence_channel,
    user_channel,
)
from services import message_reading, notifications, presence


@data_resume_hook
def _unread_counts(user_id: int) -> list[Envelope]:
    counts = {
        "notifications": notifications.unread_count(user_id),
        "messages": message_reading.unread_total(user_id),
    }
    return [Envelope(channel=user_channel(user_id), name=UNREAD_COUNTS, data=counts)]


@data_resume_hook
def _presence_followed(user_id: int) -> list[Envelope]:
    """Everyone whose presence channel the stream holds (never someone blocked either
    way: their channel is not among the user's)."""
    followed = [channel for channel in channels_for(user_id) if PRESENCE_OF.matches(channel)]
    people = sorted(int(channel.rpartition(":")[2]) for channel in followed)
    return [
        Envelope(channel=presence_channel(now["user_id"]), name=PRESENCE, data=now)
        for now in presence.snapshots(people)
    ]

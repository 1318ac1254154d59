"""A durable test event a user can send to their own stream, to check a connection."""

from __future__ import annotations

import time

from extensions import db
from realtime.bus import bus
from realtime.events import ECHO, Envelope, user_channel
from services.validation import string


def echo(user_id: int, payload: dict) -> Envelope:
    text = string(payload, "text", max_length=200, required=False) or "ping"
    queued = bus.publish(user_channel(user_id), ECHO, {"text": text, "sent_at": time.time()})
    db.session.commit()
    return queued.envelope()

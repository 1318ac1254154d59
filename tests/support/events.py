"""Publishing from a test as a service does: in a unit of work that the test commits."""

from __future__ import annotations

from typing import Any

from extensions import db
from realtime.bus import bus
from realtime.events import Envelope


def announce(channel: str, name: str, data: dict[str, Any]) -> Envelope:
    """Publish one event and commit: it is stored (when durable) and sent, as it would
    be at the end of a service call; returns it with its id."""
    queued = bus.publish(channel, name, data)
    db.session.commit()
    return queued.envelope()

"""Sending a message in a test that goes on with the stored row."""

from __future__ import annotations

from extensions import db
from models.conversation import Message
from models.user import User
from services import messages


def sent_message(actor: User, conversation_id: object, body: object, **options: object) -> Message:
    """Send through the service (which answers with the announced payload) and give back
    the stored message."""
    payload = messages.send(actor, conversation_id, body, **options)
    return db.session.get(Message, payload["id"])

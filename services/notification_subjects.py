"""What a notification's subject reads as now: the stored subject is what was true when
it was sent, and an invitation must not offer a way into what is no longer open to its
reader. Read each time a notification is shown, so it is never stale."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.conversation import Conversation, Membership
from models.party import Party

# Kinds whose subject can stop being true (services.notifications names every kind).
PARTY_INVITE = "party_invite"
PARTY_STARTED = "party_started"
CONVERSATION_INVITE = "conversation_invite"
MENTION = "mention"


def as_it_is_now(kind: str, subject: dict, reader_id: int) -> dict:
    """A party's invitation or start, once the party is over, says so and offers no way in
    (its code is dropped). An invitation to a conversation its reader is no longer in (or
    that was deleted) says so (`"gone": true`) and offers no link; so does a mention in a
    conversation its reader is no longer in, which quotes nothing of it then."""
    if not isinstance(subject.get("id"), int):
        return subject
    if kind in (PARTY_INVITE, PARTY_STARTED):
        status = db.session.scalar(select(Party.status).where(Party.id == subject["id"]))
        if status in (None, "ended"):
            subject = {key: value for key, value in subject.items() if key != "code"}
            subject["ended"] = True
    elif kind == CONVERSATION_INVITE and not _is_in(subject["id"], reader_id):
        subject = {**subject, "gone": True}
    elif kind == MENTION and _left(subject.get("conversation_id"), reader_id):
        subject = {key: value for key, value in subject.items() if key != "text"}
        subject["gone"] = True
    return subject


def _left(conversation_id: object, user_id: int) -> bool:
    return isinstance(conversation_id, int) and not _is_in(conversation_id, user_id)


def _is_in(conversation_id: int, user_id: int) -> bool:
    found = db.session.scalar(
        select(Membership.id)
        .join(Conversation, Conversation.id == Membership.conversation_id)
        .where(
            Membership.conversation_id == conversation_id,
            Membership.user_id == user_id,
            Conversation.deleted_at.is_(None),
        )
    )
    return found is not None

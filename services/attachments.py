"""Files attached to messages: size-limited, typed by their content, members only.

A file lives as long as the message that carries it: it is served while that message
stands, and removed (row and stored bytes) when the message is deleted. An upload no
message has claimed yet is its uploader's alone, and is removed if never sent.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import utcnow
from models.columns import fields
from models.conversation import Attachment, Message
from models.user import User
from realtime.bus import bus
from services import conversation_access, uploads
from services.uploads import image_type
from services.validation import clean_text, is_id

NAME_MAX = 200
FILES = "attachments"
SWEEP_BATCH = 500


def content_type(head: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) judged from the first bytes; None when not accepted."""
    image = image_type(head[:16])
    if image is not None:
        mime = {"jpg": "image/jpeg"}.get(image, f"image/{image}")
        return mime, image
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is still text.
            if error.start < len(head) - 4:
                return None
        return "text/plain", "txt"
    return None


def upload(actor: User, conversation_id: object, stream: IO[bytes], filename: str) -> Attachment:
    access = conversation_access.member(actor, conversation_id)
    data = uploads.read_capped(stream, current_app.config["ATTACHMENT_MAX_BYTES"], "file")
    kind = content_type(data[:4096])
    if kind is None:
        raise ValidationError(
            "Attach an image (PNG, JPEG, GIF, WebP), a PDF or a text file.",
            code="unsupported_type",
            field="file",
        )
    mime, extension = kind
    stored = uploads.store(FILES, data, extension)
    attachment = Attachment(
        conversation_id=access.conversation.id,
        uploader_id=actor.id,
        stored_name=stored,
        original_name=_safe_name(filename, extension),
        content_type=mime,
        size=len(data),
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


def _safe_name(filename: str, extension: str) -> str:
    name = clean_text(Path(filename or "").name, "name", strip=True).strip()[:NAME_MAX]
    return name or f"file.{extension}"


def claim(actor: User, conversation_id: int, attachment_id: object) -> Attachment | None:
    """The uploader's unused attachment for a message in the same conversation."""
    if attachment_id is None:
        return None
    if not is_id(attachment_id):
        raise ValidationError("'attachment_id' must be an id.", field="attachment_id")
    attachment = db.session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.uploader_id != actor.id
        or attachment.conversation_id != conversation_id
    ):
        raise ValidationError("No such attachment of yours here.", field="attachment_id")
    used = db.session.scalar(select(Message.id).where(Message.attachment_id == attachment.id))
    if used is not None:
        raise ValidationError("That attachment is already sent.", field="attachment_id")
    return attachment


def for_download(
    actor: User, conversation_id: object, attachment_id: int
) -> tuple[Attachment, Path]:
    """The file, for those who may read it (404 for everyone else): the members of its
    conversation while the message carrying it stands; an unsent upload, its uploader."""
    try:
        access = conversation_access.member(actor, conversation_id)
    except Forbidden:  # a public room's non-member: the file does not exist for them
        raise NotFound("No such file.") from None
    attachment = db.session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.conversation_id != access.conversation.id
        or not _readable_by(actor, attachment)
    ):
        raise NotFound("No such file.")
    path = uploads.folder(FILES) / attachment.stored_name
    if not path.is_file():
        raise NotFound("No such file.")
    return attachment, path


def _readable_by(actor: User, attachment: Attachment) -> bool:
    carriers = list(
        db.session.scalars(select(Message.deleted_at).where(Message.attachment_id == attachment.id))
    )
    if not carriers:  # not sent yet
        return attachment.uploader_id == actor.id
    return None in carriers


# -- removal ----------------------------------------------------------------------------
def discard_with(message: Message) -> None:
    """Remove a deleted message's file, in the unit of work that deletes the message: the
    row goes with it, the stored file once it has committed, so a rollback never loses a
    file (and `sweep` catches one left by a crash)."""
    if message.attachment_id is not None:
        _remove([message.attachment_id])


def sweep(orphan_max_age: float) -> int:
    """Run by each worker now and then: remove the files of deleted messages, and uploads
    no message claimed within `orphan_max_age` seconds. Returns how many were removed."""
    cutoff = utcnow() - timedelta(seconds=orphan_max_age)
    carriers = select(Message.id).where(Message.attachment_id == Attachment.id)
    doomed = select(Attachment.id).where(
        or_(
            carriers.where(Message.deleted_at.is_not(None)).exists(),
            and_(Attachment.created_at < cutoff, ~carriers.exists()),
        )
    )
    removed = 0
    while ids := list(db.session.scalars(doomed.order_by(Attachment.id).limit(SWEEP_BATCH))):
        removed += _remove(ids)
        db.session.commit()
        if len(ids) < SWEEP_BATCH:
            break
    return removed


def _remove(attachment_ids: Sequence[int]) -> int:
    """Delete these attachments unless a standing message carries one (a send may claim an
    old upload meanwhile); their stored files go once the rows are gone for good."""
    db.session.execute(
        update(Message)
        .where(Message.attachment_id.in_(attachment_ids), Message.deleted_at.is_not(None))
        .values(attachment_id=None),
        execution_options={"synchronize_session": False},
    )
    names = list(
        db.session.scalars(
            delete(Attachment)
            .where(
                Attachment.id.in_(attachment_ids),
                ~select(Message.id).where(Message.attachment_id == Attachment.id).exists(),
            )
            .returning(Attachment.stored_name),
            execution_options={"synchronize_session": False},
        )
    )
    for name in names:
        bus.after_commit(functools.partial(uploads.discard, FILES, name))
    return len(names)


def to_dict(attachment: Attachment) -> dict:
    return {
        **fields(attachment, "id", "content_type", "size"),
        "name": attachment.original_name,
        "url": f"/conversations/{attachment.conversation_id}/files/{attachment.id}",
    }

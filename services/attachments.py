"""Files attached to messages: size-limited, typed by their content, members only."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from flask import current_app
from sqlalchemy import select

from extensions import db
from models.conversation import Attachment, Message
from models.user import User
from services import conversation_access, uploads
from services.errors import Forbidden, NotFound, ValidationError
from services.uploads import image_type
from services.validation import clean_text, is_id

NAME_MAX = 200
FILES = "attachments"


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
    """The file, for members of its conversation only (404 for everyone else)."""
    try:
        access = conversation_access.member(actor, conversation_id)
    except Forbidden:  # a public room's non-member: the file does not exist for them
        raise NotFound("No such file.") from None
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.conversation_id != access.conversation.id:
        raise NotFound("No such file.")
    path = uploads.folder(FILES) / attachment.stored_name
    if not path.is_file():
        raise NotFound("No such file.")
    return attachment, path


def to_dict(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": f"/conversations/{attachment.conversation_id}/files/{attachment.id}",
    }

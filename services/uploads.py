"""Uploaded files: read within a size limit, typed by content, stored under random names."""

from __future__ import annotations

import functools
import secrets
from pathlib import Path
from typing import IO

from flask import current_app

from errors import ValidationError
from realtime.bus import bus

# Image types accepted, recognised by their first bytes, never by the name.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


def image_type(head: bytes) -> str | None:
    """The extension of a supported image, judged by its content; None otherwise."""
    for signature, extension in _SIGNATURES:
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def folder(name: str) -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_capped(stream: IO[bytes], limit: int, field: str, allow_empty: bool = False) -> bytes:
    """The upload's bytes, or a 400 when it is over `limit` (or empty, unless allowed)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            f"That file is over the limit of {limit // (1024 * 1024)} MB.",
            code="too_large",
            field=field,
        )
    if not data and not allow_empty:
        raise ValidationError("That file is empty.", field=field)
    return data


def read_image(
    stream: IO[bytes], field: str, limit_setting: str = "AVATAR_MAX_BYTES"
) -> tuple[bytes, str]:
    """An uploaded picture (avatar, group image, a post's image): its bytes and extension.
    `limit_setting` names the configured size limit."""
    data = read_capped(stream, current_app.config[limit_setting], field, allow_empty=True)
    extension = image_type(data[:16])
    if extension is None:
        raise ValidationError(
            "Pictures must be PNG, JPEG, GIF or WebP images.", code="unsupported_type", field=field
        )
    return data, extension


def store(folder_name: str, data: bytes, extension: str) -> str:
    """Write the bytes under a fresh random name and return that name; the file goes again
    if the unit of work that wrote it rolls back (no row will name it)."""
    name = f"{secrets.token_hex(16)}.{extension}"
    (folder(folder_name) / name).write_bytes(data)
    bus.after_rollback(functools.partial(discard, folder_name, name))
    return name


def discard(folder_name: str, name: str | None) -> None:
    if name:
        (folder(folder_name) / name).unlink(missing_ok=True)

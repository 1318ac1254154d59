"""A post's optional image: checked like every uploaded picture (typed by its content,
within POST_IMAGE_MAX_BYTES), stored under a random name in its own folder, described by
its author, and its file removed once the change that replaces or drops it commits (a
rollback keeps the file the post still names)."""

from __future__ import annotations

import functools
from pathlib import Path

from errors import NotFound, ValidationError
from models.post import IMAGE_ALT_MAX, Post
from realtime.bus import bus
from services import uploads
from services.validation import text

FOLDER = "post_images"


def upload_of(value: object) -> tuple[bytes, str] | None:
    """An `image` field's value: an uploaded file's bytes and extension, or None (take the
    image off). Anything else is refused: images come as files, never as text."""
    if value is None:
        return None
    if not callable(getattr(value, "read", None)):
        raise ValidationError("Send the image as multipart field 'image'.", field="image")
    return uploads.read_image(value, "image", "POST_IMAGE_MAX_BYTES")


def alt(value: object) -> str | None:
    """The author's description of the image; none given: None."""
    described = text(
        value,
        "image_alt",
        max_length=IMAGE_ALT_MAX,
        too_long=f"Describe the image in at most {IMAGE_ALT_MAX} characters.",
    )
    return described or None


def replace(post: Post, upload: tuple[bytes, str] | None) -> None:
    """Give the post this image (None: no image); the file it had goes after the commit."""
    if post.image_file:
        bus.after_commit(functools.partial(uploads.discard, FOLDER, post.image_file))
    post.image_file = uploads.store(FOLDER, *upload) if upload else None


def url(post: Post) -> str | None:
    """Where readers fetch the image; the name's start tells a replaced image apart."""
    if post.gone or not post.image_file:
        return None
    return f"/posts/{post.id}/image?v={post.image_file[:8]}"


def stored(post: Post) -> tuple[Path, str]:
    """The image's file and its content type; NotFound for a post without one."""
    path = uploads.folder(FOLDER) / post.image_file if post.image_file else None
    if path is None or not path.is_file():
        raise NotFound("No image.")
    return path, uploads.CONTENT_TYPES[path.suffix.removeprefix(".")]

"""A post's fields from a form: the composer, the edit page and multipart API calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from flask import request

TICKED = ("1", "true", "on")


def is_multipart() -> bool:
    return request.mimetype == "multipart/form-data"


def uploaded_image() -> IO[bytes] | None:
    """The form's `image` file; a file field sent with no file chosen is none."""
    upload = request.files.get("image")
    return upload.stream if upload is not None and upload.filename else None


def form_changes(names: Iterable[str]) -> dict[str, Any]:
    """What a form changes about a post (services.posts.edit): those of `names` it
    sends, and `image`: a new file, or None when `remove_image` is ticked."""
    changes: dict[str, Any] = {name: request.form[name] for name in names if name in request.form}
    upload = uploaded_image()
    if upload is not None:
        changes["image"] = upload
    elif request.form.get("remove_image") in TICKED:
        changes["image"] = None
    return changes

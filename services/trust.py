"""Trust that new accounts earn: links from an account younger than the configured hold
are refused, in words, because the commonest spam is a fresh account posting links."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from flask import current_app

from errors import ValidationError
from models.clock import as_utc, utcnow
from models.user import User
from services import validation

# What a reader would follow: a scheme, or a bare www. address.
LINK = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S")


def written_text(
    actor: User, value: object, setting: str, plural: str, required: bool = False
) -> str:
    """The `text` of something written for others to read (a post, a comment): cleaned,
    at most the `setting` number of characters, links held for new accounts."""
    limit = current_app.config[setting]
    cleaned = validation.text(
        value,
        "text",
        max_length=limit,
        required=required,
        multiline=True,
        too_long=f"{plural} are at most {limit} characters.",
    )
    check_links(actor, cleaned, "text")
    return cleaned


def check_links(actor: User, text: str, field: str) -> None:
    # Text without a link, the commonest by far, is let through before anything else.
    if not text or not LINK.search(text) or actor.is_moderator:
        return
    hold = timedelta(seconds=current_app.config["NEW_ACCOUNT_LINK_HOLD_SECONDS"])
    if not hold:
        return
    left = as_utc(actor.created_at) + hold - utcnow()
    if left <= timedelta(0):
        return
    hours = max(1, math.ceil(left.total_seconds() / 3600))
    raise ValidationError(
        f"New accounts can share links after a while: try again in about {hours} "
        f"hour{'s' if hours != 1 else ''}.",
        code="links_held",
        field=field,
    )

"""The admin blueprint itself: who may see it, what its templates share, and the helpers
its pages use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, flash
from flask_login import current_user

from errors import NotFound, ServiceError
from models.clock import as_utc, iso
from models.user import Role
from services import moderation, moderation_reports

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLES = {Role.USER.value: "User", Role.MODERATOR.value: "Moderator", Role.ADMIN.value: "Admin"}


@bp.before_request
def _staff_only() -> None:
    """Moderators and admins only; anyone else, signed in or not, gets the 404 page."""
    if not current_user.is_authenticated:
        raise NotFound("There is nothing here.")
    moderation.require_staff(current_user)


@bp.context_processor
def _helpers() -> dict:
    return {"utc": utc, "iso": iso, "role_names": ROLES}


@bp.app_context_processor
def _open_reports() -> dict:
    """The navigation's reports badge, counted only for staff and only when shown."""

    def count() -> int:
        if current_user and current_user.is_authenticated and current_user.is_moderator:
            return moderation_reports.open_count()
        return 0

    return {"open_reports": count}


def utc(moment: str | datetime | None) -> str:
    """A moment as words moderators can compare: '3 May 2025, 14:05 UTC'."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    moment = as_utc(moment)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def duration(minutes: int) -> str:
    for size, unit in ((1440, "day"), (60, "hour")):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def act(action: Callable[[], object]) -> bool:
    """Run one service call (its unit of work rolls back when it refuses); the refusal
    becomes a flash message in words."""
    try:
        action()
    except ServiceError as error:
        flash(error.message, "error")
        return False
    return True

"""Moderation pages for moderators and admins. To everyone else, signed in or not, every
address under /admin does not exist (404).

One blueprint, "admin", in modules by page: the overview and audit log, reports, people,
and parties, rooms and announcements."""

from blueprints.admin import content, overview, people, reports
from blueprints.admin.base import bp

__all__ = ["bp", "content", "overview", "people", "reports"]

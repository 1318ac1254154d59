"""The JSON API, version 1, under /api/v1."""

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from blueprints.api import (  # noqa: E402,F401  (routes register on import)
    announcements,
    auth,
    clips,
    clock,
    comments,
    conversations,
    invites,
    me,
    moderation,
    notifications,
    parties,
    playlist_parties,
    playlists,
    posts,
    search,
    users,
)

"""Playlist pages: one's playlists and creating one, a playlist's page (its items, who
builds it, following it), and the forms that change it.

Every form is a plain POST that comes back to a page (Post/Redirect/Get), so the pages
work without JavaScript; static/js/playlist-order.js adds dragging items into place and
sends the move buttons in place. An open page follows the playlist's changes through the
layout's stream (blueprints/playlists/live.py). Every rule lives in the playlist
services: these views read a form, call a service and show the outcome.
"""

from blueprints.playlists import items, live, pages, people
from blueprints.playlists.base import bp

__all__ = ["bp", "items", "live", "pages", "people"]

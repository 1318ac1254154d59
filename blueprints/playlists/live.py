"""The live HTML of an open playlist page (see realtime/fragments.py): its list of items
after any change, its heading after a change of title, description or visibility, and
why it went when it was deleted or is no longer shared with the viewer.

Only a stream opened by the playlist's page (`?playlist=<id>`, streams/routes.py) gets
them, and each is drawn as the viewer may see the playlist now (with the page's
`playlist_token` for an unlisted one): the list carries the version the next move names.
"""

from __future__ import annotations

from flask import request

from blueprints.playlists.base import VISIBILITY_WORDS
from errors import ServiceError
from realtime.events import Envelope
from realtime.fragments import fragment, render_fragment
from services import accounts, playlist_items, playlist_views, playlists


def _shown(playlist_id: int, viewer_id: int) -> dict | None:
    viewer = accounts.find_by_id(viewer_id)
    if viewer is None:
        return None
    try:
        return playlist_views.detail(viewer, playlist_id, request.args.get("playlist_token"))
    except ServiceError:
        return None


def _playlist_page(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    playlist_id = envelope.data["playlist_id"]
    if request.args.get("playlist") != str(playlist_id):
        return []
    deleted = envelope.name == playlists.UPDATED and envelope.data.get("playlist") is None
    shown = None if deleted else _shown(playlist_id, viewer_id)
    if shown is None:
        gone = render_fragment("playlists/_gone.html", deleted=deleted)
        return [(f"playlist-gone-{playlist_id}", gone)]
    rendered = [
        (
            f"playlist-items-{playlist_id}",
            render_fragment("playlists/_items.html", p=shown, notice=None, oob=False),
        )
    ]
    if envelope.name == playlists.UPDATED:
        header = render_fragment("playlists/_header.html", p=shown, words=VISIBILITY_WORDS)
        rendered.append((f"playlist-header-{playlist_id}", header))
    return rendered


for _name in (
    playlists.UPDATED,
    playlist_items.ITEM_ADDED,
    playlist_items.ITEM_MOVED,
    playlist_items.ITEM_REMOVED,
):
    fragment(_name)(_playlist_page)

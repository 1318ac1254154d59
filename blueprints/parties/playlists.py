"""Party pages and playlists: keep what a party plays (the video now, or it and the
queue) in one's playlists, and start a party from a playlist. Plain forms; with htmx the
queue panel answers in place."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user

import budgets
from blueprints.htmx_responses import go, id_value
from blueprints.parties.base import bp, party_url
from blueprints.parties.page import manage_in_panel
from errors import ValidationError
from request_body import form_fields
from route_limits import user_action
from services import playlist_parties


@user_action(bp, "POST", "/parties/<int:party_id>/queue/save", budgets.PLAYLIST_CREATE)
def save_queue(party_id: int):
    done = "Saved as a new private playlist, under Playlists."
    return manage_in_panel(party_id, "queue", done, playlist_parties.save_queue)


@user_action(bp, "POST", "/parties/<int:party_id>/queue/keep", budgets.PLAYLIST_ITEMS)
def keep_playing(party_id: int):
    playlist_id = id_value(request.form.get("playlist_id"))
    done = "Added to the playlist."
    return manage_in_panel(party_id, "queue", done, playlist_parties.add_playing, playlist_id)


@user_action(bp, "POST", "/playlists/<int:playlist_id>/party", budgets.PARTY_CREATE)
def from_playlist(playlist_id: int):
    fields = form_fields(("title", "visibility", "token"))
    try:
        party = playlist_parties.start_party(current_user, playlist_id, fields)
    except ValidationError as error:
        flash(error.message, "error")
        back = url_for("playlists.show", playlist_id=playlist_id, token=fields["token"] or None)
        return go(back)
    flash(f"“{party.title}” is live with the playlist queued. Share the invite link.", "success")
    return go(party_url(party.id))

"""Playlists and parties over JSON: a party from a playlist, a party's queue kept as a
playlist, the video a party plays added to a playlist."""

from __future__ import annotations

from flask_login import current_user

import budgets
from blueprints.api.actions import action
from request_body import json_body
from services import party_shapes, playlist_parties, playlists


@action("POST", "/playlists/<int:playlist_id>/party", budgets.PARTY_CREATE, status=201)
def playlist_party(playlist_id: int):
    party = playlist_parties.start_party(current_user, playlist_id, json_body())
    return {"party": party_shapes.to_dict(party, current_user)}


@action("POST", "/parties/<int:party_id>/queue/save", budgets.PLAYLIST_CREATE, status=201)
def party_queue_save(party_id: int):
    title = json_body().get("title")
    playlist = playlist_parties.save_queue(current_user, party_id, title)
    return {"playlist": playlists.to_dict(playlist)}


@action("POST", "/parties/<int:party_id>/queue/keep", budgets.PLAYLIST_ITEMS)
def party_keep_playing(party_id: int):
    playlist_id = json_body().get("playlist_id")
    return playlist_parties.add_playing(current_user, party_id, playlist_id)

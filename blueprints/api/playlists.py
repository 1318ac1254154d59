"""Playlists over JSON: one's own and shared ones, their items, collaborators and
followers. Each route is one call of services/playlist_*."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action, plain_action
from request_body import json_body, json_fields
from services import playlist_items, playlist_people, playlist_views, playlists

PLAYLIST = "/playlists/<int:playlist_id>"
COLLABORATOR = f"{PLAYLIST}/collaborators/<username>"


@api.get("/playlists")
@login_required
def playlists_mine():
    return jsonify({"playlists": playlist_views.mine(current_user)})


@action("POST", "/playlists", budgets.PLAYLIST_CREATE, status=201)
def playlist_create():
    made = playlist_views.created(current_user, *json_fields("title", "description", "visibility"))
    return {"playlist": made}


@api.get("/playlists/<int:playlist_id>")
@login_required
def playlist_show(playlist_id: int):
    shown = playlist_views.detail(current_user, playlist_id, request.args.get("token"))
    return jsonify({"playlist": shown})


@action("PATCH", "/playlists/<int:playlist_id>", budgets.PLAYLIST_EDIT)
def playlist_edit(playlist_id: int):
    changed = playlist_views.edited(current_user, playlist_id, dict(json_body()))
    return {"playlist": changed}


plain_action("DELETE", PLAYLIST, budgets.PLAYLIST_EDIT, playlists.delete)


@action("POST", "/playlists/<int:playlist_id>/items", budgets.PLAYLIST_ITEMS, status=201)
def playlist_item_add(playlist_id: int):
    fields = json_fields("video_url", "title", "start_seconds")
    return playlist_items.add(current_user, playlist_id, *fields)


@action(
    "DELETE", "/playlists/<int:playlist_id>/items/<int:playlist_item_id>", budgets.PLAYLIST_ITEMS
)
def playlist_item_remove(playlist_id: int, playlist_item_id: int):
    return playlist_items.remove(current_user, playlist_id, playlist_item_id)


@action(
    "POST", "/playlists/<int:playlist_id>/items/<int:playlist_item_id>/move", budgets.PLAYLIST_ITEMS
)
def playlist_item_move(playlist_id: int, playlist_item_id: int):
    position, version = json_fields("position", "version")
    return playlist_items.move(current_user, playlist_id, playlist_item_id, position, version)


@action("POST", COLLABORATOR, budgets.PLAYLIST_PEOPLE)
def playlist_collaborator_add(playlist_id: int, username: str):
    person = playlist_people.invite(current_user, playlist_id, username)
    return {"collaborator": person.to_summary()}


plain_action("DELETE", COLLABORATOR, budgets.PLAYLIST_PEOPLE, playlist_people.remove)


plain_action("POST", f"{PLAYLIST}/follow", budgets.PLAYLIST_FOLLOW, playlist_people.follow)


plain_action("DELETE", f"{PLAYLIST}/follow", budgets.PLAYLIST_FOLLOW, playlist_people.unfollow)


@api.get("/users/<username>/playlists")
@login_required
def user_playlists(username: str):
    return jsonify({"playlists": playlist_views.of_user(current_user, username)})

"""Playlists over JSON: one's own and shared ones, their items, collaborators and
followers. Each route is one call of services/playlist_*."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from request_body import json_body, json_fields
from route_limits import user_action
from services import playlist_items, playlist_people, playlist_views, playlists


@api.get("/playlists")
@login_required
def playlists_mine():
    return jsonify({"playlists": playlist_views.mine(current_user)})


@user_action(api, "POST", "/playlists", budgets.PLAYLIST_CREATE)
def playlist_create():
    made = playlist_views.created(current_user, *json_fields("title", "description", "visibility"))
    return jsonify({"playlist": made}), 201


@api.get("/playlists/<int:playlist_id>")
@login_required
def playlist_show(playlist_id: int):
    shown = playlist_views.detail(current_user, playlist_id, request.args.get("token"))
    return jsonify({"playlist": shown})


@user_action(api, "PATCH", "/playlists/<int:playlist_id>", budgets.PLAYLIST_EDIT)
def playlist_edit(playlist_id: int):
    changed = playlist_views.edited(current_user, playlist_id, dict(json_body()))
    return jsonify({"playlist": changed})


@user_action(api, "DELETE", "/playlists/<int:playlist_id>", budgets.PLAYLIST_EDIT)
def playlist_delete(playlist_id: int):
    playlists.delete(current_user, playlist_id)
    return "", 204


@user_action(api, "POST", "/playlists/<int:playlist_id>/items", budgets.PLAYLIST_ITEMS)
def playlist_item_add(playlist_id: int):
    fields = json_fields("video_url", "title", "start_seconds")
    return jsonify(playlist_items.add(current_user, playlist_id, *fields)), 201


@user_action(
    api,
    "DELETE",
    "/playlists/<int:playlist_id>/items/<int:playlist_item_id>",
    budgets.PLAYLIST_ITEMS,
)
def playlist_item_remove(playlist_id: int, playlist_item_id: int):
    return jsonify(playlist_items.remove(current_user, playlist_id, playlist_item_id))


@user_action(
    api,
    "POST",
    "/playlists/<int:playlist_id>/items/<int:playlist_item_id>/move",
    budgets.PLAYLIST_ITEMS,
)
def playlist_item_move(playlist_id: int, playlist_item_id: int):
    position, version = json_fields("position", "version")
    moved = playlist_items.move(current_user, playlist_id, playlist_item_id, position, version)
    return jsonify(moved)


@user_action(
    api, "POST", "/playlists/<int:playlist_id>/collaborators/<username>", budgets.PLAYLIST_PEOPLE
)
def playlist_collaborator_add(playlist_id: int, username: str):
    person = playlist_people.invite(current_user, playlist_id, username)
    return jsonify({"collaborator": person.to_summary()})


@user_action(
    api,
    "DELETE",
    "/playlists/<int:playlist_id>/collaborators/<username>",
    budgets.PLAYLIST_PEOPLE,
)
def playlist_collaborator_remove(playlist_id: int, username: str):
    playlist_people.remove(current_user, playlist_id, username)
    return "", 204


@user_action(api, "POST", "/playlists/<int:playlist_id>/follow", budgets.PLAYLIST_FOLLOW)
def playlist_follow(playlist_id: int):
    playlist_people.follow(current_user, playlist_id)
    return "", 204


@user_action(api, "DELETE", "/playlists/<int:playlist_id>/follow", budgets.PLAYLIST_FOLLOW)
def playlist_unfollow(playlist_id: int):
    playlist_people.unfollow(current_user, playlist_id)
    return "", 204


@api.get("/users/<username>/playlists")
@login_required
def user_playlists(username: str):
    return jsonify({"playlists": playlist_views.of_user(current_user, username)})

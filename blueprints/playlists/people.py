"""Who builds a playlist with its owner: inviting someone by username, removing them,
and leaving."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

import budgets
from blueprints.playlists.base import bp, playlist_url, render_show
from errors import ServiceError
from route_limits import user_action
from services import playlist_people, playlists


@user_action(bp, "POST", "/playlists/<int:playlist_id>/collaborators", budgets.PLAYLIST_PEOPLE)
def invite(playlist_id: int):
    username = request.form.get("username", "").strip().lstrip("@")
    playlists.owned(current_user, playlist_id)  # refusals about the playlist stay 403 / 404
    try:
        person = playlist_people.invite(current_user, playlist_id, username)
    except ServiceError as error:
        errors = {"invite": {"username": error.message}}
        values = {"invite": {"username": username}}
        return render_show(playlist_id, status=error.status, errors=errors, values=values)
    flash(f"{person.shown_name} can now add, move and remove videos here.", "success")
    return redirect(playlist_url(playlist_id, "#collaborators"))


@user_action(
    bp,
    "POST",
    "/playlists/<int:playlist_id>/collaborators/<username>/remove",
    budgets.PLAYLIST_PEOPLE,
)
def remove(playlist_id: int, username: str):
    person = playlist_people.remove(current_user, playlist_id, username)
    if person.id == current_user.id:
        flash("You left this playlist.", "success")
        return redirect(url_for("playlists.index"))
    else:
        flash(f"{person.shown_name} no longer builds this playlist.", "success")
    return redirect(playlist_url(playlist_id, "#collaborators"))

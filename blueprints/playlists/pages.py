"""One's playlists and creating one, a playlist's page, changing and deleting it, and
following it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.confirm import not_yet_sure
from blueprints.playlists.base import VISIBILITY_WORDS, bp, playlist_url, render_show
from errors import ServiceError
from request_body import form_fields
from route_limits import user_action
from services import playlist_people, playlist_views, playlists

FIELDS = ("title", "description", "visibility")


def _typed() -> dict[str, str]:
    return form_fields(FIELDS)


@bp.get("/playlists")
@login_required
def index(status: int = 200, errors: dict | None = None, values: dict | None = None):
    """One's playlists and the form that creates one; a refused form shows here again with
    `errors` and what was typed (`values`)."""
    return render_template(
        "playlists/index.html",
        mine=playlist_views.mine(current_user),
        words=VISIBILITY_WORDS,
        errors=errors or {},
        values=values or {"visibility": "private"},
    ), status


@user_action(bp, "POST", "/playlists", budgets.PLAYLIST_CREATE)
def create():
    typed = _typed()
    try:
        made = playlist_views.created(current_user, *typed.values())
    except ServiceError as error:
        return index(400, {error.field or "form": error.message}, typed)
    flash(f"“{made['title']}” is ready. Add videos to it.", "success")
    return redirect(playlist_url(made["id"]))


@bp.get("/playlists/<int:playlist_id>")
@login_required
def show(playlist_id: int):
    return render_show(playlist_id, request.args.get("token"))


@user_action(bp, "POST", "/playlists/<int:playlist_id>/edit", budgets.PLAYLIST_EDIT)
def edit(playlist_id: int):
    typed = _typed()
    try:
        playlist_views.edited(current_user, playlist_id, typed)
    except ServiceError as error:
        if error.status != 400:
            raise
        errors = {"edit": {error.field or "form": error.message}}
        return render_show(playlist_id, status=400, errors=errors, values={"edit": typed})
    flash("Saved.", "success")
    return redirect(playlist_url(playlist_id))


@user_action(bp, "POST", "/playlists/<int:playlist_id>/delete", budgets.PLAYLIST_EDIT)
def delete(playlist_id: int):
    title = playlists.owned(current_user, playlist_id).playlist.title
    ask = not_yet_sure(
        f"Delete the playlist “{title}”?", "Delete playlist", playlist_url(playlist_id)
    )
    if ask is not None:
        return ask
    playlists.delete(current_user, playlist_id)
    flash(f"“{title}” was deleted.", "success")
    return redirect(url_for("playlists.index"))


@user_action(
    bp,
    "POST",
    "/playlists/<int:playlist_id>/<any(follow, unfollow):action>",
    budgets.PLAYLIST_FOLLOW,
)
def follow(playlist_id: int, action: str):
    if action == "follow":
        playlist_people.follow(current_user, playlist_id)
        flash("You follow this playlist: its changes reach you.", "success")
    else:
        playlist_people.unfollow(current_user, playlist_id)
        flash("You no longer follow this playlist.", "success")
    return redirect(playlist_url(playlist_id))

"""Clip pages: making a clip, opening one at its short address, and its maker's range
editor. Every form works without JavaScript; on a party page, "Clip the last 30
seconds" answers htmx with the new clip's link in place."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.htmx_responses import go, is_htmx
from blueprints.security import with_player_policy
from errors import ServiceError, ValidationError
from request_body import form_fields
from route_limits import user_action
from services import clips

bp = Blueprint("clips", __name__)

FIELDS = ("title", "video_url", "start", "end")


@bp.app_context_processor
def _profile_clips() -> dict:
    """A profile's clips, asked for only by the profile page."""

    def profile_clips(username: str) -> list[dict]:
        return [clips.to_dict(c) for c in clips.made_by(current_user, username)[0]]

    return {"profile_clips": profile_clips}


@bp.get("/clips/new")
@login_required
def new():
    values = {name: request.args.get(name, "") for name in FIELDS}
    return render_template("clips/new.html", values=values, errors={})


@user_action(bp, "POST", "/clips/new", budgets.CLIP_WRITE)
def create():
    values = form_fields(FIELDS)
    try:
        clip = clips.create(current_user, values)
    except ValidationError as error:
        errors = {error.field if error.field in FIELDS else "form": error.message}
        return render_template("clips/new.html", values=values, errors=errors), 400
    return go(url_for("clips.show", clip_code=clip.code))


@bp.get("/c/<clip_code>")
@login_required
def show(clip_code: str):
    clip = clips.opened(current_user, clip_code)
    return _clip_page(clips.to_dict(clip), None, {}, 200)


@user_action(bp, "POST", "/c/<clip_code>", budgets.CLIP_WRITE)
def edit(clip_code: str):
    values = form_fields(("title", "start", "end"))
    try:
        clip = clips.edit(current_user, clip_code, values)
    except ValidationError as error:
        shown = clips.to_dict(clips.visible_clip(current_user, clip_code))
        errors = {error.field if error.field in FIELDS else "form": error.message}
        return _clip_page(shown, values, errors, 400)
    flash("The clip is saved.", "success")
    return go(url_for("clips.show", clip_code=clip.code))


def _clip_page(clip: dict, values: dict | None, errors: dict, status: int):
    """The clip's page (its player may play http links and YouTube)."""
    html = render_template("clips/show.html", clip=clip, values=values, errors=errors)
    return with_player_policy(make_response(html, status))


@user_action(bp, "POST", "/c/<clip_code>/delete", budgets.CLIP_WRITE)
def delete(clip_code: str):
    clips.delete(current_user, clip_code)
    flash("The clip is deleted.", "success")
    return go(url_for("social.profile", username=current_user.username))


@user_action(bp, "POST", "/parties/<int:party_id>/clip", budgets.CLIP_WRITE)
def from_party(party_id: int):
    """The last 30 seconds of the party's video: htmx gets the link in place (the party
    plays on); without JavaScript, the clip's own page."""
    try:
        clip = clips.from_party(current_user, party_id)
    except ServiceError as error:
        if not is_htmx():
            raise
        return render_template("clips/_made.html", clip=None, error=error.message), 200
    if is_htmx():
        return render_template("clips/_made.html", clip=clips.to_dict(clip), error=None)
    return go(url_for("clips.show", clip_code=clip.code))

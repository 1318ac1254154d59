"""Post pages: one post, its edit form, deleting it, liking it and who likes it.

Writing a post is the home page's composer (blueprints/main.py); the lists are the home
page's feed and a profile's posts. Every form is a plain POST that works without
JavaScript; with htmx the like button and the delete button redraw the card in place.
"""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, send_file, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.auth import safe_next
from blueprints.confirm import not_yet_sure
from blueprints.htmx_responses import go, is_htmx
from blueprints.post_forms import form_changes
from blueprints.post_views import post_page
from errors import ServiceError
from request_body import form_fields
from route_limits import user_action
from services import feed, posts

bp = Blueprint("posts", __name__)

AUDIENCE_WORDS = {"public": "Public", "followers": "Followers only", "friends": "Friends only"}
bp.add_app_template_global(AUDIENCE_WORDS, "audience_words")


def _back(post_id: int) -> str:
    """Where a form sent from a card returns: the page it was on (a local path), else
    the post's own page."""
    fallback = url_for("posts.show", post_id=post_id)
    return safe_next(request.form.get("back")) if request.form.get("back") else fallback


@bp.get("/posts/<int:post_id>")
@login_required
def show(post_id: int):
    return post_page(post_id)


@bp.get("/posts/<int:post_id>/edit")
@login_required
def edit_form(post_id: int):
    shown = posts.own_post(current_user, post_id)
    return render_template("posts/edit.html", p=shown, values=shown, errors={})


@user_action(bp, "POST", "/posts/<int:post_id>/edit", budgets.POST_WRITE)
def edit(post_id: int):
    shown = posts.own_post(current_user, post_id)
    values = form_fields(("text", "video_url", "image_alt"))
    try:
        posts.edit(current_user, post_id, form_changes(values))
    except ServiceError as error:
        errors = {error.field or "form": error.message}
        return render_template("posts/edit.html", p=shown, values=values, errors=errors), 400
    flash("Post saved.", "success")
    return go(url_for("posts.show", post_id=post_id))


@bp.get("/posts/<int:post_id>/image")
@login_required
def image(post_id: int):
    """A post's image, for those who may see the post (404 for everyone else). Checked
    again on each use (a 304 while unchanged), so a deleted post's image stops showing."""
    path, content_type = posts.image_file(current_user, post_id)
    response = send_file(path, mimetype=content_type, conditional=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@user_action(bp, "POST", "/posts/<int:post_id>/delete", budgets.POST_WRITE)
def delete(post_id: int):
    posts.own_post(current_user, post_id)
    back = _back(post_id)
    if back == url_for("posts.show", post_id=post_id):
        back = url_for("main.home")
    asked = not_yet_sure("Delete this post?", "Delete", back)
    if asked is not None:
        return asked
    posts.delete_post(current_user, post_id)
    if is_htmx():
        return render_template("posts/_deleted.html", post_id=post_id)
    flash("Post deleted.", "success")
    return go(back)


@user_action(bp, "POST", "/posts/<int:post_id>/<any(like, unlike):action>", budgets.POST_LIKE)
def like(post_id: int, action: str):
    change = posts.like if action == "like" else posts.unlike
    likes = change(current_user, post_id)
    if is_htmx():
        return render_template("posts/_like.html", p={**likes, "id": post_id}, back=_back(post_id))
    return go(_back(post_id))


@bp.get("/posts/<int:post_id>/likes")
@login_required
def likes(post_id: int):
    page = feed.likers(current_user, post_id)
    return render_template("posts/likes.html", page=page)

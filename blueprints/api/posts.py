"""Posts over JSON: writing, reading, likes, and the lists (feed, discover, a person's)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action, plain_action
from blueprints.api.likes import like_routes
from blueprints.post_forms import form_changes, is_multipart, uploaded_image
from request_body import json_body, json_fields, query_int
from services import feed, posts


@action("POST", "/posts", budgets.POST_WRITE, status=201)
def post_create():
    """A JSON post, or a multipart one with an `image` file."""
    if is_multipart():
        form = request.form
        text, video_url, audience = form.get("text"), form.get("video_url"), form.get("audience")
        fields = (text, video_url, audience or None, uploaded_image(), form.get("image_alt"))
    else:
        fields = json_fields("text", "video_url", "audience", "image", "image_alt")
    return {"post": posts.create(current_user, *fields)}


@api.get("/posts/<int:post_id>")
@login_required
def post_get(post_id: int):
    return jsonify({"post": posts.shown_to(current_user, post_id)})


@action("PATCH", "/posts/<int:post_id>", budgets.POST_WRITE)
def post_edit(post_id: int):
    changes = form_changes(("text", "video_url", "image_alt")) if is_multipart() else json_body()
    edited = posts.edit(current_user, post_id, changes)
    return {"post": edited}


plain_action("DELETE", "/posts/<int:post_id>", budgets.POST_WRITE, posts.delete_post)


like_routes("post", budgets.POST_LIKE, (posts.like, posts.unlike), feed.likers, feed.LIKERS_MAX)


@api.get("/feed")
@login_required
def post_feed():
    page = feed.feed(current_user, request.args.get("cursor"), query_int("limit", feed.PAGE_MAX))
    return jsonify(page)


@api.get("/feed/discover")
@login_required
def post_discover():
    cursor, limit = request.args.get("cursor"), query_int("limit", feed.PAGE_MAX)
    return jsonify(feed.discover(current_user, cursor, limit))


@api.get("/users/<username>/posts")
@login_required
def user_posts(username: str):
    cursor, limit = request.args.get("cursor"), query_int("limit", feed.PAGE_MAX)
    return jsonify(feed.posts_by(current_user, username, cursor, limit))


@action("DELETE", "/admin/posts/<int:post_id>", budgets.MODERATION)
def admin_remove_post(post_id: int):
    posts.remove(current_user, post_id, request.args.get("reason", ""))

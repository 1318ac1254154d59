"""Comments on posts over JSON: a post's comments, writing, editing, deleting, likes."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action, plain_action
from blueprints.api.likes import like_routes
from request_body import json_body, json_fields, query_int
from services import comment_likes, comment_listing, comments


@api.get("/posts/<int:post_id>/comments")
@login_required
def comment_list(post_id: int):
    cursor, limit = request.args.get("cursor"), query_int("limit", comment_listing.PAGE_MAX)
    return jsonify(comment_listing.listing(current_user, post_id, cursor, limit))


@action("POST", "/posts/<int:post_id>/comments", budgets.COMMENT_WRITE, status=201)
def comment_create(post_id: int):
    fields = json_fields("text", "parent_id", "video_time")
    return {"comment": comments.create(current_user, post_id, *fields)}


@action("PATCH", "/comments/<int:comment_id>", budgets.COMMENT_WRITE)
def comment_edit(comment_id: int):
    return {"comment": comments.edit(current_user, comment_id, json_body())}


plain_action("DELETE", "/comments/<int:comment_id>", budgets.COMMENT_WRITE, comments.delete)


like_routes(
    "comment",
    budgets.COMMENT_LIKE,
    (comment_likes.like, comment_likes.unlike),
    comment_likes.likers,
    comment_listing.LIKERS_MAX,
)


@action("DELETE", "/admin/comments/<int:comment_id>", budgets.MODERATION)
def admin_remove_comment(comment_id: int):
    comments.remove(current_user, comment_id, request.args.get("reason", ""))

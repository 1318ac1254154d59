"""Comments on posts over JSON: a post's comments, writing, editing, deleting, likes."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from request_body import json_body, json_fields, query_int
from route_limits import user_action
from services import comment_likes, comment_listing, comments


@api.get("/posts/<int:post_id>/comments")
@login_required
def comment_list(post_id: int):
    cursor, limit = request.args.get("cursor"), query_int("limit", comment_listing.PAGE_MAX)
    return jsonify(comment_listing.listing(current_user, post_id, cursor, limit))


@user_action(api, "POST", "/posts/<int:post_id>/comments", budgets.COMMENT_WRITE)
def comment_create(post_id: int):
    fields = json_fields("text", "parent_id", "video_time")
    return jsonify({"comment": comments.create(current_user, post_id, *fields)}), 201


@user_action(api, "PATCH", "/comments/<int:comment_id>", budgets.COMMENT_WRITE)
def comment_edit(comment_id: int):
    return jsonify({"comment": comments.edit(current_user, comment_id, json_body())})


@user_action(api, "DELETE", "/comments/<int:comment_id>", budgets.COMMENT_WRITE)
def comment_delete(comment_id: int):
    comments.delete(current_user, comment_id)
    return "", 204


@user_action(api, "POST", "/comments/<int:comment_id>/like", budgets.COMMENT_LIKE)
def comment_like(comment_id: int):
    return jsonify(comment_likes.like(current_user, comment_id))


@user_action(api, "DELETE", "/comments/<int:comment_id>/like", budgets.COMMENT_LIKE)
def comment_unlike(comment_id: int):
    return jsonify(comment_likes.unlike(current_user, comment_id))


@api.get("/comments/<int:comment_id>/likes")
@login_required
def comment_likers(comment_id: int):
    limit = query_int("limit", comment_listing.LIKERS_MAX)
    return jsonify(comment_likes.likers(current_user, comment_id, limit))


@user_action(api, "DELETE", "/admin/comments/<int:comment_id>", budgets.MODERATION)
def admin_remove_comment(comment_id: int):
    comments.remove(current_user, comment_id, request.args.get("reason", ""))
    return "", 204

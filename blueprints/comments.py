"""Comments on a post's page: the thread under the post, writing a comment or a reply
(with a moment of the post's video), deleting one and liking one. Plain forms that come
back to the post's page; the live stream redraws the thread for everyone who has it
open (blueprints/comment_live.py)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.htmx_responses import go, id_value, is_htmx
from blueprints.post_views import cards, post_page, thread
from errors import ValidationError
from route_limits import user_action
from services import comment_likes, comments, posts

bp = Blueprint("comments", __name__)


def _to_thread(post_id: int, comment_id: int | None = None) -> str:
    anchor = f"comment-{comment_id}" if comment_id else "comments"
    return url_for("posts.show", post_id=post_id, _anchor=anchor)


@user_action(bp, "POST", "/posts/<int:post_id>/comments", budgets.COMMENT_WRITE)
def create(post_id: int):
    form = request.form
    values = {name: form.get(name, "") for name in ("text", "video_time", "parent_id")}
    try:
        made = comments.create(
            current_user,
            post_id,
            values["text"],
            id_value(values["parent_id"]),
            values["video_time"].strip() or None,
        )
    except ValidationError as error:
        return post_page(post_id, 400, comment_error=error, comment_values=values)
    return go(_to_thread(post_id, made["id"]))


@user_action(bp, "POST", "/comments/<int:comment_id>/delete", budgets.COMMENT_WRITE)
def delete(comment_id: int):
    return go(_to_thread(comments.delete(current_user, comment_id)))


@user_action(
    bp, "POST", "/comments/<int:comment_id>/<any(like, unlike):action>", budgets.COMMENT_LIKE
)
def like(comment_id: int, action: str):
    change = comment_likes.like if action == "like" else comment_likes.unlike
    likes = change(current_user, comment_id)
    if is_htmx():
        return render_template("posts/_comment_like.html", c={**likes, "id": comment_id})
    comment, _post = comments.visible_comment(current_user, comment_id)
    return go(_to_thread(comment.post_id, comment_id))


@user_action(bp, "POST", "/posts/<int:post_id>/typing", budgets.TYPING)
def typing(post_id: int):
    """Someone is writing a comment under the post: nothing to swap for htmx."""
    comments.typing(current_user, post_id)
    return ("", 204) if is_htmx() else go(_to_thread(post_id))


@bp.get("/posts/<int:post_id>/comments")
@login_required
def more(post_id: int):
    """The next comments of a thread: for htmx, the list alone; else the post's page."""
    if not is_htmx():
        return post_page(post_id)
    [card] = cards(current_user.id, [posts.shown_to(current_user, post_id)])
    cursor = request.args.get("comments_after")
    listed = thread(current_user, card, cursor)
    return render_template("posts/_comment_list.html", p=card, thread=listed, page_key=cursor)

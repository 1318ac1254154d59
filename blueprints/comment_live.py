"""The live fragments of a post's thread (see realtime/fragments.py), for the post's own
page only (its stream carries `post=<id>`): a new comment at the end of its list (a reply
under its comment), an edited or deleted one redrawn in place, a like count. Each is
drawn for its viewer, who must be able to see the comment (not by anyone blocked either
way), so nothing the page's own render would hide arrives live."""

from __future__ import annotations

from flask import request

from blueprints.post_views import cards
from errors import NotFound
from realtime import comment_events
from realtime.events import Envelope
from realtime.fragments import fragment, render_fragment
from services import accounts, comments, posts
from services.relations import is_blocked_between

CHANGE = "post-change"  # the post page's out-of-band region (blueprints/post_live.py)
TYPING_SHOWN = 6  # seconds a "typing" shows without a newer signal; writers send every 2


def _on_this_page(post_id: int) -> bool:
    return request.args.get("post", "") == str(post_id)


def _drawn(viewer_id: int, comment_id: int) -> tuple[dict, dict] | None:
    """The comment as the viewer's page draws it, with its post's card; None when the
    viewer may not see it."""
    viewer = accounts.find_by_id(viewer_id)
    if viewer is None:
        return None
    try:
        comment, post = comments.visible_comment(viewer, comment_id)
    except NotFound:
        return None
    [card] = cards(viewer_id, [posts.for_viewer(viewer, post)])
    shown = comments.for_viewer(viewer, comment)
    may = comments.may_delete(viewer_id, comment.author_id, post.author_id)
    mine = comment.author_id == viewer_id
    return {**shown, "can_delete": may, "mine": mine, "replies": []}, card


@fragment(comment_events.CREATED)
def _created(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    data = envelope.data
    if not _on_this_page(data["post_id"]):
        return []
    found = _drawn(viewer_id, data["id"])
    if found is None:
        return []
    shown, card = found
    if shown["parent_id"]:
        target = f"comment-{shown['parent_id']}-replies"
        html = render_fragment("posts/_comment_live.html", c=shown, p=card, target=target)
    else:
        target = f"comment-list-{card['id']}"
        html = render_fragment("posts/_comment_live.html", top=shown, p=card, target=target)
    return [(CHANGE, html), _not_typing(card["id"], shown["author"]["id"])]


def _typing_line(post_id: int) -> str:
    return f"comment-typing-{int(post_id)}"


def _not_typing(post_id: int, user_id: int) -> tuple[str, str]:
    """Takes the writer of a comment that arrived off the post's typing line."""
    line = _typing_line(post_id)
    return line, f'<span id="{line}-{int(user_id)}" hx-swap-oob="delete"></span>'


@fragment(comment_events.TYPING)
def _typing(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Someone writing under the open post, unless it is the viewer or someone blocked
    either way with them (their comments are not shown to the viewer either)."""
    data = envelope.data
    user = data["user"]
    if not _on_this_page(data["post_id"]) or user["id"] == viewer_id:
        return []
    if is_blocked_between(viewer_id, user["id"]):
        return []
    line = _typing_line(data["post_id"])
    html = render_fragment("partials/typing.html", user=user, line=line, expires_in=TYPING_SHOWN)
    return [(line, html)]


@fragment(comment_events.UPDATED)
@fragment(comment_events.DELETED)
def _changed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    data = envelope.data
    comment_id = data.get("comment_id", data.get("id"))
    if not _on_this_page(data["post_id"]):
        return []
    if envelope.name == comment_events.DELETED:
        html = render_fragment("posts/_comment_gone.html", comment_id=comment_id)
        return [(CHANGE, html)]
    found = _drawn(viewer_id, comment_id)
    if found is None:
        return []
    shown, card = found
    return [(CHANGE, render_fragment("posts/_comment.html", c=shown, p=card, oob=True))]


@fragment(comment_events.LIKED)
def _liked(envelope: Envelope, _viewer_id: int) -> list[tuple[str, str]]:
    data = envelope.data
    if not _on_this_page(data["post_id"]):
        return []
    html = render_fragment(
        "posts/_comment_likes.html", comment_id=data["comment_id"], likes=data["likes"], oob=True
    )
    return [(CHANGE, html)]

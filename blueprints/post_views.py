"""What post pages draw, for pages and their live fragments alike: a post's card (what
the viewer may do with it, the clips it links to), its comment thread, and its page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import make_response, render_template, request
from flask_login import current_user

from blueprints.security import with_player_policy
from models.user import User
from services import clips, comment_listing, comments, party_media, posts


def cards(viewer_id: int, shown: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Posts as the card draws them: each with whether the viewer may change it and the
    clips it links to."""
    return [
        {
            **p,
            "can_change": posts.can_change(viewer_id, p),
            "clips": clips.linked(viewer_id, p["text"]),
        }
        for p in shown
    ]


def thread(viewer: User, post: dict, cursor: str | None = None) -> dict:
    """A post's comments as its page draws them: each with whether the viewer may
    delete it and whether it is theirs."""
    listed = comment_listing.listing(viewer, post["id"], cursor)

    def drawn(comment: dict) -> dict:
        author_id, post_author_id = comment["author"]["id"], post["author"]["id"]
        may_delete = comments.may_delete(viewer.id, author_id, post_author_id)
        return {**comment, "can_delete": may_delete, "mine": author_id == viewer.id}

    return {
        **listed,
        "comments": [
            {**drawn(c), "replies": [drawn(r) for r in c["replies"]]} for c in listed["comments"]
        ],
    }


def post_page(post_id: int, status: int = 200, **form):
    """The post's page with its player and thread; `form` keeps what a refused comment
    said. Its player may play plain-http files and YouTube."""
    [card] = cards(current_user.id, [posts.shown_to(current_user, post_id)])
    cursor = request.args.get("comments_after")
    html = render_template(
        "posts/show.html",
        p={**card, "player": party_media.player(card["video_url"])},
        thread=thread(current_user, card, cursor),
        earlier=cursor is not None and comment_listing.earlier_than(current_user, post_id, cursor),
        stream_args={"post": post_id},
        **form,
    )
    return with_player_policy(make_response(html, status))

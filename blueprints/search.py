"""The search page: one box for people, rooms and groups, parties, messages, posts,
comments, playlists and clips, and a room category to narrow it to rooms and their
messages.

Without JavaScript it is a GET form and a "More results" link; with htmx the results
region is redrawn as one types (the address follows) and "More results" puts the next
page in its own place.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

import budgets
from blueprints.htmx_responses import refusal_status
from errors import ServiceError
from models.clock import iso
from models.conversation import CATEGORIES
from route_limits import user_action
from services import feed, search
from services.search_hits import Hit, Results

bp = Blueprint("search", __name__)

KIND_LABELS = {
    "person": "People",
    "room": "Rooms and groups",
    "party": "Parties",
    "message": "Messages",
    "post": "Posts",
    "comment": "Comments",
    "playlist": "Playlists",
    "clip": "Clips",
}


def hit_url(hit: Hit) -> str:
    """Where a hit leads: a profile, a conversation, a message in its place, a post, a
    comment in its place under its post (the thread shown from the comment's own), a
    playlist, a clip, a party."""
    if hit.kind == "post":
        return url_for("posts.show", post_id=hit.id)
    if hit.kind == "comment":
        return url_for(
            "posts.show",
            post_id=hit.post_id,
            comments_after=feed.encode_cursor(hit.thread_id - 1),
            _anchor=f"comment-{hit.id}",
        )
    if hit.kind == "party":
        return url_for("parties.show", party_id=hit.id)
    if hit.kind == "playlist":
        return url_for("playlists.show", playlist_id=hit.id)
    if hit.kind == "clip":
        return url_for("clips.show", clip_code=hit.code)
    if hit.kind == "person":
        return url_for("social.profile", username=hit.username)
    if hit.kind == "room":
        return url_for("conversations.show", conversation_id=hit.id)
    return url_for(
        "conversations.show",
        conversation_id=hit.conversation_id,
        before=hit.id + 1,
        _anchor=f"message-{hit.id}",
    )


def hit_dict(hit: Hit) -> dict:
    return {
        "kind": hit.kind,
        "id": hit.id,
        "title": hit.title,
        "snippet_html": str(hit.snippet_html),
        "url": hit_url(hit),
        "created_at": iso(hit.created_at),
    }


@user_action(bp, "GET", "/search", budgets.SEARCH)
def index():
    query = request.args.get("q", "")
    kind = request.args.get("kind") or None
    category = request.args.get("category") or None
    results, error = None, None
    if query.strip():
        try:
            cursor = request.args.get("cursor")
            results = search.search(current_user, query, kind, cursor, category)
        except ServiceError as problem:
            error = problem.message
    return render_template(
        "search/index.html",
        query=query,
        kind=kind,
        category=category,
        categories=CATEGORIES,
        results=results or Results(),
        searched=results is not None,
        error=error,
        labels=KIND_LABELS,
        hit_url=hit_url,
        paged=bool(request.args.get("cursor")),
    ), refusal_status(error is not None)

"""One's conversations, message search, the public room directory, and creating a direct
conversation, a group or a room."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.conversations import bp
from blueprints.conversations.views import failure, presence_of
from blueprints.htmx_responses import go, int_or_raw, refusal_status
from errors import ServiceError
from models.conversation import CATEGORIES, Conversation, Kind
from route_limits import user_action
from services import conversation_listing, conversations


def _usernames(raw: str) -> list[str]:
    return [part.strip().lstrip("@") for part in raw.replace("\n", ",").split(",") if part.strip()]


@bp.get("/conversations")
@login_required
def index(status: int = 200, errors: dict | None = None, values: dict | None = None):
    """One's conversations and the forms that start one; a refused form shows here again
    with `errors` and what was typed (`values`)."""
    listing = conversation_listing.overview(current_user)
    presences = {}
    for item in listing:
        if item["kind"] == Kind.DIRECT and item.get("other"):
            _person, presences[item["id"]] = presence_of(item["other"])
    return render_template(
        "conversations/index.html",
        listing=listing,
        presences=presences,
        viewer_id=current_user.id,
        categories=CATEGORIES,
        errors=errors or {},
        values=values or {},
    ), status


@user_action(bp, "POST", "/conversations/direct", budgets.CONVERSATION_CREATE)
def open_direct():
    username = request.form.get("username", "").strip().lstrip("@")
    try:
        if not username:
            raise ServiceError("Who do you want to write to?", field="username")
        conversation = conversations.open_direct(current_user, username)
    except ServiceError as error:
        return index(400, failure("direct", error), {"username": username})
    return go(url_for("conversations.show", conversation_id=conversation.id))


def _about(form: Mapping[str, str]) -> dict[str, str]:
    """The name, description and category a new group's and a new room's forms both ask
    (`about_fields`), as the service's arguments."""
    return {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "category": form.get("category", "general"),
    }


def _create(kind: str, make: Callable[[Mapping[str, str]], Conversation], page: Callable):
    """Create a group or room from its form: its page next, or `page` with the form again
    and why not."""
    form = request.form
    try:
        conversation = make(form)
    except ServiceError as error:
        return page(400, failure(kind, error), form)
    flash(f"{kind.capitalize()} “{conversation.name}” created.", "success")
    return go(url_for("conversations.show", conversation_id=conversation.id))


def _new_group(form: Mapping[str, str]) -> Conversation:
    members = _usernames(form.get("members", ""))
    return conversations.create_group(current_user, members=members, **_about(form))


@user_action(bp, "POST", "/conversations/groups", budgets.CONVERSATION_CREATE)
def create_group():
    return _create("group", _new_group, index)


@bp.get("/conversations/search")
@login_required
def search():
    """The old address of message search: the one search, messages only."""
    return redirect(url_for("search.index", q=request.args.get("q", ""), kind="messages"))


@bp.get("/rooms")
@login_required
def rooms(status: int = 200, errors: dict | None = None, values: dict | None = None):
    """The public room directory and the form that creates a room; a refused form shows
    here again with `errors` and what was typed (`values`)."""
    query = request.args.get("q", "")[:64]
    category = request.args.get("category") or None
    error = None
    found = []
    try:
        found = conversation_listing.directory(query, category)
    except ServiceError as problem:
        error = problem.message
    mine = {
        item["id"]
        for item in conversation_listing.overview(current_user)
        if item["kind"] == Kind.ROOM
    }
    return render_template(
        "conversations/rooms.html",
        rooms=[conversations.to_dict(room) for room in found],
        mine=mine,
        query=query,
        category=category,
        categories=CATEGORIES,
        error=error,
        errors=errors or {},
        values=values or {},
    ), refusal_status(error is not None, status)


def _new_room(form: Mapping[str, str]) -> Conversation:
    return conversations.create_room(
        current_user,
        visibility=form.get("visibility", "public"),
        member_limit=int_or_raw(form.get("member_limit")) or 1000,
        **_about(form),
    )


@user_action(bp, "POST", "/rooms", budgets.CONVERSATION_CREATE)
def create_room():
    return _create("room", _new_room, rooms)

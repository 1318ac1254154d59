"""A group's or room's member page: its members, adding, removing, roles and mutes, its
settings and picture, and deleting it."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.confirm import not_yet_sure
from blueprints.conversations import bp, member_live
from blueprints.conversations.transcript import GONE_FOR_GOOD
from blueprints.conversations.views import failure
from blueprints.htmx_responses import go, int_or_raw, manage
from errors import ValidationError
from models.conversation import CATEGORIES
from route_limits import user_action
from services import (
    conversation_access,
    conversation_listing,
    conversation_members,
    conversation_settings,
    conversations,
    invites,
)
from services.conversation_access import Access


def _render_members(access: Access, status: int = 200, errors: dict | None = None, values=None):
    query = request.args.get("q", "").strip()[:100] if access.manages else ""
    candidates, search_error = [], None
    if query:
        try:
            candidates = invites.member_candidates(current_user, access.conversation.id, query)
        except ValidationError as problem:
            search_error = problem.message
    info = conversations.to_dict(access.conversation, current_user.id)
    return render_template(
        "conversations/members.html",
        conversation=info,
        access=access,
        rows=conversation_listing.member_rows(current_user, access),
        categories=CATEGORIES,
        errors=errors or {},
        values=values or info,
        mute_max=conversation_members.MUTE_MAX_MINUTES,
        query=query,
        candidates=candidates,
        search_error=search_error,
        stream_args={"view": member_live.VIEW},
    ), status


def _members_page(conversation_id: int, query: str = "") -> str:
    return url_for("conversations.members", conversation_id=conversation_id, q=query or None)


@bp.get("/conversations/<int:conversation_id>/members")
@login_required
def members(conversation_id: int):
    access = conversations.get(current_user, conversation_id)
    if not access.has_member_list:
        return redirect(url_for("conversations.show", conversation_id=conversation_id))
    return _render_members(access)


def _manage(conversation_id: int, action: Callable[[], object], done: str, query: str = ""):
    """Run one member action; its outcome is flashed on the member page (showing the
    people search it came from, if any)."""
    conversation_access.with_member_list(current_user, conversation_id)
    return manage(action, done, _members_page(conversation_id, query))


@user_action(
    bp, "POST", "/conversations/<int:conversation_id>/members", budgets.CONVERSATION_MEMBERS
)
def add_member(conversation_id: int):
    username = request.form.get("username", "").strip().lstrip("@")
    return _manage(
        conversation_id,
        lambda: conversation_members.add_member(current_user, conversation_id, username),
        f"{username} is a member now.",
        request.form.get("q", "").strip()[:100],
    )


@user_action(
    bp,
    "POST",
    "/conversations/<int:conversation_id>/members/<username>/remove",
    budgets.CONVERSATION_MEMBERS,
)
def remove_member(conversation_id: int, username: str):
    if conversation_access.with_member_list(current_user, conversation_id).manages:
        back = _members_page(conversation_id)
        if page := not_yet_sure(f"Remove {username}?", f"Remove {username}", back):
            return page
    return _manage(
        conversation_id,
        lambda: conversation_members.remove_member(current_user, conversation_id, username),
        f"{username} was removed.",
    )


@user_action(
    bp,
    "POST",
    "/conversations/<int:conversation_id>/members/<username>/role",
    budgets.CONVERSATION_MEMBERS,
)
def set_role(conversation_id: int, username: str):
    role = request.form.get("role", "")
    return _manage(
        conversation_id,
        lambda: conversation_members.set_role(current_user, conversation_id, username, role),
        f"{username} is {'an admin' if role == 'admin' else 'a member'} now.",
    )


@user_action(
    bp,
    "POST",
    "/conversations/<int:conversation_id>/members/<username>/mute",
    budgets.CONVERSATION_MEMBERS,
)
def mute(conversation_id: int, username: str):
    minutes = int_or_raw(request.form.get("minutes"))
    done = (
        f"{username} can write again."
        if minutes == 0
        else f"{username} is muted for {minutes} minute{'s' if minutes != 1 else ''}."
    )
    return _manage(
        conversation_id,
        lambda: conversation_members.mute(current_user, conversation_id, username, minutes),
        done,
    )


@user_action(
    bp, "POST", "/conversations/<int:conversation_id>/settings", budgets.CONVERSATION_SETTINGS
)
def update(conversation_id: int):
    access = conversation_access.with_member_list(current_user, conversation_id)
    form = request.form
    changes = {key: form[key] for key in ("name", "description", "category") if key in form}
    try:
        conversation_settings.update(current_user, conversation_id, changes)
    except ValidationError as error:
        return _render_members(access, 400, failure("settings", error), form)
    flash("Saved.", "success")
    return go(_members_page(conversation_id))


@user_action(bp, "POST", "/conversations/<int:conversation_id>/picture", budgets.UPLOAD)
def set_picture(conversation_id: int):
    conversation_access.with_member_list(current_user, conversation_id)
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        flash("Choose a picture to upload.", "error")
    else:
        try:
            conversation_settings.set_image(current_user, conversation_id, upload.stream)
        except ValidationError as error:
            flash(error.message, "error")
        else:
            flash("The picture is up.", "success")
    return go(_members_page(conversation_id))


@user_action(
    bp, "POST", "/conversations/<int:conversation_id>/delete", budgets.CONVERSATION_SETTINGS
)
def delete(conversation_id: int):
    access = conversation_access.with_member_list(current_user, conversation_id)
    name = access.conversation.name
    if access.is_owner:
        detail = "It closes for every member, and its messages go with it. " + GONE_FOR_GOOD
        question = f"Delete “{name}” for everyone?"
        back = _members_page(conversation_id)
        if page := not_yet_sure(question, "Delete for everyone", back, detail):
            return page
    conversation_settings.delete(current_user, conversation_id)
    flash(f"“{name}” is deleted.", "success")
    return go(url_for("conversations.index"))

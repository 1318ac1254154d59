"""Conversations over JSON: direct messages, groups, rooms, their members and messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify, redirect, request, send_file, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action, plain_action
from errors import ValidationError
from request_body import json_body, json_fields, query_int
from services import (
    attachments,
    conversation_listing,
    conversation_members,
    conversation_settings,
    conversations,
    message_edits,
    message_reading,
    messages,
)
from services.validation import integer, string

CONVERSATION = "/conversations/<int:conversation_id>"


def _conversation_json(conversation_id: int) -> dict:
    access = conversations.get(current_user, conversation_id)
    return {
        **conversations.to_dict(access.conversation, current_user.id),
        "role": access.role,
        "member": access.is_member,
    }


def _member_action(method: str, tail: str = "") -> Callable[[Callable], Any]:
    """An action on one member of a conversation (`tail` after the member's address),
    under the members budget."""
    rule = "/conversations/<int:conversation_id>/members/<username>" + tail
    return action(method, rule, budgets.CONVERSATION_MEMBERS)


@action("POST", "/conversations", budgets.CONVERSATION_CREATE, status=201)
def conversation_create():
    body = json_body()
    kind = string(body, "kind", max_length=8)
    if kind == "direct":
        conversation = conversations.open_direct(
            current_user, string(body, "username", max_length=64)
        )
        return {"conversation": _conversation_json(conversation.id)}, 200
    members = body.get("members", [])
    if kind == "group":
        conversation = conversations.create_group(
            current_user,
            body.get("name"),
            members,
            body.get("description", ""),
            body.get("category", "general"),
        )
    elif kind == "room":
        conversation = conversations.create_room(
            current_user,
            body.get("name"),
            body.get("visibility", "public"),
            body.get("description", ""),
            body.get("category", "general"),
            body.get("member_limit", 1000),
            members,
        )
    else:
        raise ValidationError("'kind' is direct, group or room.", field="kind")
    return {"conversation": _conversation_json(conversation.id)}


@api.get("/conversations")
@login_required
def conversation_list():
    return jsonify({"conversations": conversation_listing.overview(current_user)})


@api.get("/rooms")
@login_required
def room_directory():
    rooms = conversation_listing.directory(
        request.args.get("q", ""),
        request.args.get("category") or None,
        limit=query_int("limit", 100, 50),
    )
    return jsonify({"rooms": [conversations.to_dict(room) for room in rooms]})


@api.get("/conversations/<int:conversation_id>")
@login_required
def conversation_show(conversation_id: int):
    return jsonify({"conversation": _conversation_json(conversation_id)})


@action("PATCH", "/conversations/<int:conversation_id>", budgets.CONVERSATION_SETTINGS)
def conversation_update(conversation_id: int):
    body = json_body()
    changes = {key: body[key] for key in ("name", "description", "category") if key in body}
    conversation_settings.update(current_user, conversation_id, changes)
    return {"conversation": _conversation_json(conversation_id)}


plain_action("DELETE", CONVERSATION, budgets.CONVERSATION_SETTINGS, conversation_settings.delete)


@action("POST", "/conversations/<int:conversation_id>/join", budgets.CONVERSATION_JOIN)
def conversation_join(conversation_id: int):
    conversation_members.join(current_user, conversation_id)
    return {"conversation": _conversation_json(conversation_id)}


plain_action(
    "POST", f"{CONVERSATION}/leave", budgets.CONVERSATION_LEAVE, conversation_members.leave
)


@api.get("/conversations/<int:conversation_id>/members")
@login_required
def member_list(conversation_id: int):
    people = conversation_listing.members(current_user, conversation_id)
    return jsonify({"members": [conversations.member_dict(m) for m in people]})


@action(
    "POST", "/conversations/<int:conversation_id>/members", budgets.CONVERSATION_MEMBERS, status=201
)
def member_add(conversation_id: int):
    username = string(json_body(), "username", max_length=64)
    membership = conversation_members.add_member(current_user, conversation_id, username)
    return {"member": conversations.member_dict(membership)}


@_member_action("DELETE")
def member_remove(conversation_id: int, username: str):
    conversation_members.remove_member(current_user, conversation_id, username)


@_member_action("POST", "/role")
def member_role(conversation_id: int, username: str):
    role = string(json_body(), "role", max_length=8)
    membership = conversation_members.set_role(current_user, conversation_id, username, role)
    return {"member": conversations.member_dict(membership)}


@_member_action("POST", "/mute")
def member_mute(conversation_id: int, username: str):
    minutes = integer(
        json_body(), "minutes", minimum=0, maximum=conversation_members.MUTE_MAX_MINUTES
    )
    membership = conversation_members.mute(current_user, conversation_id, username, minutes)
    return {"member": conversations.member_dict(membership)}


@api.get("/conversations/<int:conversation_id>/messages")
@login_required
def message_history(conversation_id: int):
    before, limit = query_int("before", 2**62), query_int("limit", message_reading.PAGE_MAX, 50)
    page = message_reading.history(current_user, conversation_id, before=before, limit=limit)
    return jsonify({"messages": [messages.to_dict(m) for m in page]})


@action("POST", "/conversations/<int:conversation_id>/messages", budgets.SEND_MESSAGE, status=201)
def message_send(conversation_id: int):
    fields = json_fields("body", "client_id", "reply_to", "attachment_id")
    return {"message": messages.send(current_user, conversation_id, *fields)}


@action("POST", "/conversations/<int:conversation_id>/attachments", budgets.UPLOAD, status=201)
def attachment_upload(conversation_id: int):
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("Send the file as multipart field 'file'.", field="file")
    attachment = attachments.upload(current_user, conversation_id, upload.stream, upload.filename)
    return {"attachment": attachments.to_dict(attachment)}


@action("POST", "/conversations/<int:conversation_id>/image", budgets.UPLOAD)
def conversation_image_upload(conversation_id: int):
    upload = request.files.get("image")
    if upload is None:
        raise ValidationError("Send the picture as multipart field 'image'.", field="image")
    conversation_settings.set_image(current_user, conversation_id, upload.stream)
    return {"conversation": _conversation_json(conversation_id)}


@api.get("/conversations/<int:conversation_id>/image")
@login_required
def conversation_image(conversation_id: int):
    return send_file(conversation_settings.image_path(current_user, conversation_id), max_age=3600)


@action("POST", "/conversations/<int:conversation_id>/read", budgets.MESSAGE_READ)
def conversation_read(conversation_id: int):
    body = json_body()
    position = message_reading.mark_read(current_user, conversation_id, body.get("message_id"))
    return {"last_read_message_id": position}


@action("PATCH", "/messages/<int:message_id>", budgets.MESSAGE_EDIT)
def message_edit(message_id: int):
    message = message_edits.edit(current_user, message_id, json_body().get("body"))
    return {"message": messages.to_dict(message)}


plain_action("DELETE", "/messages/<int:message_id>", budgets.MESSAGE_DELETE, message_edits.delete)


@action("POST", "/messages/<int:message_id>/reactions", budgets.MESSAGE_REACT)
def message_react(message_id: int):
    message = message_edits.react(current_user, message_id, json_body().get("emoji"))
    return {"message": messages.to_dict(message)}


@api.get("/messages/search")
@login_required
def message_search():
    """The old address of message search: the one search, messages only."""
    target = url_for("api.search_all", q=request.args.get("q", ""), kind="messages")
    return redirect(target, code=308)

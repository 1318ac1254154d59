"""One conversation: its transcript (or a public room's preview), joining and leaving,
and its messages: sending, replying, editing, deleting, reactions, reads, typing, files."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.confirm import not_yet_sure
from blueprints.conversations import bp
from blueprints.conversations.views import (
    before_arg,
    compose_context,
    message_views,
    presence_of,
    reply_quote,
    shown_at,
)
from blueprints.htmx_responses import go, id_value, int_or_raw, is_htmx
from errors import Forbidden, NotFound, ServiceError, ValidationError
from extensions import limiter
from models.conversation import Message
from route_limits import per_user, user_action, user_or_ip
from services import (
    attachments,
    conversation_access,
    conversation_members,
    conversations,
    message_edits,
    message_reading,
    messages,
)
from services.conversation_access import Access

GONE_FOR_GOOD = "This cannot be undone."
PAGE_SIZE = 50
PREVIEW_SIZE = 30  # a public room's messages shown before one joins
# The address of one message, under which its page and its actions are.
MESSAGE = "/conversations/<int:conversation_id>/messages/<int:message_id>"


def _render_conversation(access: Access, status: int = 200, compose: dict | None = None):
    conversation = access.conversation
    before = before_arg()
    page = message_reading.history(current_user, conversation.id, before=before, limit=PAGE_SIZE)
    newest = page[0] if page else None
    if before is None and newest is not None:
        message_reading.mark_read(current_user, conversation.id, newest.id)
    info = conversations.to_dict(conversation, current_user.id)
    other, presence = presence_of(info.get("other"))
    if compose is None:
        reply = reply_quote(conversation.id, id_value(request.args.get("reply_to")))
        compose = compose_context(conversation.id, reply=reply)
    seen = (
        message_reading.seen_by_newest(current_user, conversation, newest) if before is None else []
    )
    return render_template(
        "conversations/show.html",
        conversation=info,
        access=access,
        items=message_views(list(reversed(page)), access),
        before=before,
        has_older=len(page) == PAGE_SIZE,
        oldest_id=page[-1].id if page else None,
        seen=seen,
        other=other,
        presence=presence,
        compose=compose,
        # The page's stream says which conversation is open (no "while you were away"
        # notification of a message it shows).
        stream_args={"conversation": conversation.id},
    ), status


@bp.get("/conversations/<int:conversation_id>")
@login_required
def show(conversation_id: int):
    try:
        access = conversations.get(current_user, conversation_id)
    except NotFound:
        if is_htmx():  # a part of the page (older messages) gets the reason in words
            raise
        return render_template("conversations/gone.html"), 404
    if not access.is_member:  # a public room: its recent messages, read-only, and Join
        recent = message_reading.history(current_user, conversation_id, limit=PREVIEW_SIZE)
        return render_template(
            "conversations/preview.html",
            conversation=conversations.to_dict(access.conversation, current_user.id),
            recent=[messages.to_dict(message) for message in reversed(recent)],
            removed=conversation_members.was_removed(current_user, conversation_id),
        )
    return _render_conversation(access)


@user_action(bp, "POST", "/conversations/<int:conversation_id>/join", budgets.CONVERSATION_JOIN)
def join(conversation_id: int):
    try:
        conversation_members.join(current_user, conversation_id)
    except ServiceError as error:
        if isinstance(error, NotFound):
            raise
        flash(error.message, "error")
        return go(url_for("conversations.rooms"))
    return go(url_for("conversations.show", conversation_id=conversation_id))


@user_action(bp, "POST", "/conversations/<int:conversation_id>/leave", budgets.CONVERSATION_LEAVE)
def leave(conversation_id: int):
    name = conversation_members.leave(current_user, conversation_id)
    flash(f"You left “{name}”.", "success")
    return go(url_for("conversations.index"))


def _has_file() -> bool:
    upload = request.files.get("file")
    return upload is not None and bool(upload.filename)


# A message form carrying a file also draws on the upload budget, like the API's upload.
upload_limit = limiter.shared_limit(
    lambda: current_app.config[budgets.UPLOAD.setting],
    scope=budgets.UPLOAD.scope,
    key_func=user_or_ip,
    exempt_when=lambda: not _has_file(),
)


def _send(conversation_id: int, body: str, reply_to: int | str | None) -> dict:
    """Store the form's message, its file first if it carries one."""
    attachment_id = None
    if _has_file():
        upload = request.files["file"]
        attachment_id = attachments.upload(
            current_user, conversation_id, upload.stream, upload.filename or ""
        ).id
    return messages.send(
        current_user,
        conversation_id,
        body,
        client_id=request.form.get("client_id") or None,
        reply_to=reply_to,
        attachment_id=attachment_id,
    )


@bp.post("/conversations/<int:conversation_id>/messages")
@per_user(budgets.SEND_MESSAGE)
@upload_limit
@login_required
def send_message(conversation_id: int):
    body = request.form.get("body", "")
    reply_to = int_or_raw(request.form.get("reply_to"))
    try:
        sent = _send(conversation_id, body, reply_to)
    except ServiceError as error:
        if isinstance(error, NotFound) or is_htmx():
            raise  # a page script's send gets the words alone; its box still holds the text
        reply = reply_quote(conversation_id, reply_to)
        compose = compose_context(conversation_id, body=body, reply=reply, error=error.message)
        return _render_conversation(conversations.get(current_user, conversation_id), 400, compose)
    if is_htmx():
        return "", 204  # the form stays as it is; the message arrives by the live stream
    anchor = f"message-{sent['id']}"
    return redirect(url_for("conversations.show", conversation_id=conversation_id, _anchor=anchor))


@bp.get("/conversations/<int:conversation_id>/compose")
@login_required
def compose(conversation_id: int):
    """The compose form, replying to a message or not (htmx swaps it in place)."""
    conversation_access.joined(current_user, conversation_id)
    reply_to = id_value(request.args.get("reply_to"))
    if not is_htmx():
        return redirect(
            url_for(
                "conversations.show",
                conversation_id=conversation_id,
                reply_to=reply_to,
                _anchor="compose",
            )
        )
    reply = reply_quote(conversation_id, reply_to)
    return render_template(
        "partials/compose.html", compose=compose_context(conversation_id, reply=reply)
    )


def _one_message(access: Access, message: Message, status: int = 200):
    return render_template(
        "partials/message.html",
        m=message_views([message], access)[0],
        conversation_id=access.conversation.id,
        before=before_arg(),
    ), status


def _message_answer(access: Access, message: Message):
    """The message swapped in place (htmx), or its page, anchored."""
    if is_htmx():
        return _one_message(access, message)
    return redirect(shown_at(access.conversation.id, message.id))


@bp.get(MESSAGE)
@login_required
def message(conversation_id: int, message_id: int):
    return _message_answer(*message_reading.find_in(current_user, conversation_id, message_id))


def _render_edit(access: Access, found: Message, body: str, error: str | None, status: int):
    context = {
        "conversation": conversations.to_dict(access.conversation, current_user.id),
        "m": messages.to_dict(found),
        "body": body,
        "error": error,
        "before": before_arg(),
    }
    if is_htmx():
        return render_template("partials/message_edit.html", **context)
    return render_template("conversations/edit.html", **context), status


@bp.get(f"{MESSAGE}/edit")
@login_required
def edit_message_form(conversation_id: int, message_id: int):
    access, found = message_edits.editable(current_user, conversation_id, message_id)
    return _render_edit(access, found, found.body, None, 200)


@user_action(bp, "POST", f"{MESSAGE}/edit", budgets.MESSAGE_EDIT)
def edit_message(conversation_id: int, message_id: int):
    access, found = message_reading.find_in(current_user, conversation_id, message_id)
    body = request.form.get("body", "")
    try:
        message_edits.edit(current_user, message_id, body)
    except ValidationError as error:
        return _render_edit(access, found, body, error.message, 400)
    return _message_answer(access, found)


@user_action(bp, "POST", f"{MESSAGE}/delete", budgets.MESSAGE_DELETE)
def delete_message(conversation_id: int, message_id: int):
    access, found = message_reading.find_in(current_user, conversation_id, message_id)
    back = shown_at(conversation_id, message_id)
    question = "Delete this message?"
    if access.can_remove(found.sender_id) and (
        page := not_yet_sure(question, "Delete the message", back, GONE_FOR_GOOD)
    ):
        return page
    message_edits.delete(current_user, message_id)
    if is_htmx():
        return _one_message(access, found)
    flash("Message deleted.", "success")
    return redirect(back)


@user_action(bp, "POST", f"{MESSAGE}/react", budgets.MESSAGE_REACT)
def react(conversation_id: int, message_id: int):
    access, found = message_reading.find_in(current_user, conversation_id, message_id)
    message_edits.react(current_user, message_id, request.form.get("emoji", ""))
    return _message_answer(access, found)


def _done_here(conversation_id: int):
    """Nothing to swap for htmx; the conversation page otherwise."""
    if is_htmx():
        return "", 204
    return redirect(url_for("conversations.show", conversation_id=conversation_id))


@user_action(bp, "POST", "/conversations/<int:conversation_id>/read", budgets.MESSAGE_READ)
def mark_read(conversation_id: int):
    message_id = int_or_raw(request.form.get("message_id"))
    message_reading.mark_read(current_user, conversation_id, message_id)
    return _done_here(conversation_id)


@user_action(bp, "POST", "/conversations/<int:conversation_id>/typing", budgets.TYPING)
def typing(conversation_id: int):
    messages.typing(current_user, conversation_id, True)
    return _done_here(conversation_id)


@bp.get("/conversations/<int:conversation_id>/files/<int:attachment_id>")
@login_required
def attachment(conversation_id: int, attachment_id: int):
    try:
        found, path = attachments.for_download(current_user, conversation_id, attachment_id)
    except Forbidden:  # a public room's files are for its members: hidden from the rest
        raise NotFound("No such file.") from None
    inline = found.content_type.startswith("image/")
    response = send_file(
        path,
        mimetype=found.content_type,
        as_attachment=not inline,
        download_name=found.original_name,
        conditional=True,
    )
    # Revalidated on each use (a 304 while unchanged): a deleted message's file stops showing.
    response.headers["Cache-Control"] = "private, no-cache"
    return response

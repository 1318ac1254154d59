"""Conversation pages: direct messages, groups and rooms.

Every form is a plain POST that comes back to a page (Post/Redirect/Get), so the pages work
without JavaScript. With htmx the busy ones answer with the piece to swap instead: the
compose form resets itself, a message swaps in place after a reaction, an edit or a delete.
New messages, edits, typing and read receipts arrive through the layout's SSE stream of
HTML fragments (see blueprints/fragments.py); the helpers here that turn a message into
what its template needs are shared with those fragments.
"""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

import budgets
from blueprints.confirm import not_yet_sure
from errors import Forbidden, NotFound, ServiceError, ValidationError
from extensions import db, limiter
from models.conversation import CATEGORIES, Conversation, Kind, Message
from models.user import User
from route_limits import per_user, user_or_ip
from services import (
    attachments,
    conversation_listing,
    conversation_members,
    conversation_settings,
    conversations,
    invites,
    message_edits,
    message_reading,
    messages,
    profiles,
)
from services.conversation_access import Access, outranks

bp = Blueprint("conversations", __name__)
_GONE_FOR_GOOD = "This cannot be undone."

PAGE_SIZE = 50
PREVIEW_SIZE = 30  # a public room's messages shown before one joins
QUICK_REACTIONS = ("👍", "❤️", "😂", "🎉", "😮")
QUOTE_MAX = 140


# -- helpers shared with the live fragments ---------------------------------------------
def emoji_key(emoji: str) -> str:
    """A stable id part for an emoji, so a reaction button keeps focus when it is swapped."""
    return "-".join(f"{ord(char):x}" for char in emoji)


def reply_quotes(conversation_id: int, ids: set[int]) -> dict[int, dict]:
    """The messages replied to, in short form, keyed by id (only from this conversation)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    found = db.session.scalars(
        select(Message).where(Message.id.in_(ids), Message.conversation_id == conversation_id)
    )
    quotes = {}
    for message in found:
        data = messages.to_dict(message)
        body = data["body"]
        if len(body) > QUOTE_MAX:
            body = body[: QUOTE_MAX - 1] + "…"
        quotes[message.id] = {
            "id": message.id,
            "sender": data["sender"],
            "body": body,
            "deleted": data["deleted"],
            "attachment": data["attachment"],
        }
    return quotes


def message_view(data: dict, viewer_id: int, manages: bool, quotes: dict[int, dict]) -> dict:
    """A message's JSON form plus what this viewer may do with it."""
    sender = data["sender"]
    mine = sender is not None and sender["id"] == viewer_id
    alive = data["kind"] == "text" and not data["deleted"]
    present = {reaction["emoji"] for reaction in data["reactions"]}
    return {
        **data,
        "mine": mine,
        "can_edit": alive and mine,
        "can_delete": alive and (mine or manages),
        "can_react": alive,
        "quote": quotes.get(data["reply_to"]) if data["reply_to"] else None,
        "reactions": [
            {
                "emoji": reaction["emoji"],
                "count": reaction["count"],
                "mine": viewer_id in reaction["user_ids"],
                "key": emoji_key(reaction["emoji"]),
            }
            for reaction in data["reactions"]
        ],
        "quick": [
            {"emoji": emoji, "key": emoji_key(emoji)}
            for emoji in QUICK_REACTIONS
            if emoji not in present
        ],
    }


def message_views(
    found: list[Message], conversation_id: int, viewer_id: int, manages: bool
) -> list[dict]:
    data = [messages.to_dict(message) for message in found]
    quotes = reply_quotes(conversation_id, {item["reply_to"] for item in data})
    return [message_view(item, viewer_id, manages, quotes) for item in data]


def seen_by_for(viewer: User, conversation: Conversation, last: Message | None) -> list[dict]:
    """Who has read the newest message, shown to its sender in DMs and small groups."""
    if (
        last is None
        or conversation.kind == Kind.ROOM
        or last.sender_id != viewer.id
        or last.deleted_at is not None
    ):
        return []
    return message_reading.seen_by(viewer, conversation.id, last.id)


def _new_client_id() -> str:
    return secrets.token_urlsafe(16)


def compose_context(
    conversation_id: int,
    *,
    body: str = "",
    reply: dict | None = None,
    error: str | None = None,
    autofocus: bool = True,
) -> dict:
    return {
        "conversation_id": conversation_id,
        "client_id": _new_client_id(),
        "body": body,
        "reply": reply,
        "error": error,
        "autofocus": autofocus,
    }


# -- small request helpers --------------------------------------------------------------
def _htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def _go(url: str):
    """Redirect; htmx requests are told to load the page themselves."""
    if _htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def _int_or_raw(raw: str | None) -> int | str | None:
    """A form number as int; empty as None; anything else as given, for the service to
    refuse with its own message."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    return int(raw) if raw.isdecimal() and len(raw) < 12 else raw


def _id_value(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdecimal() and len(raw) < 12 and int(raw) > 0 else None


def _before_arg() -> int | None:
    """The page of older messages a form or link came from (keyset: ids below this)."""
    return _id_value(request.values.get("before"))


def _usernames(raw: str) -> list[str]:
    return [part.strip().lstrip("@") for part in raw.replace("\n", ",").split(",") if part.strip()]


def _shown_at(conversation_id: int, message_id: int | None = None) -> str:
    """The conversation page (the same older page the form came from, if any), anchored."""
    anchor = f"message-{message_id}" if message_id else None
    return url_for(
        "conversations.show",
        conversation_id=conversation_id,
        before=_before_arg(),
        _anchor=anchor,
    )


def _message_here(conversation_id: int, message_id: int) -> tuple[Access, Message]:
    """A message of a conversation the current user belongs to, else 404."""
    access = conversations.get(current_user, conversation_id)
    message = db.session.get(Message, message_id)
    if not access.is_member or message is None or message.conversation_id != conversation_id:
        raise NotFound("No such message.")
    return access, message


def _one_message(access: Access, message: Message, status: int = 200):
    view = message_views([message], access.conversation.id, current_user.id, access.manages)[0]
    return render_template(
        "partials/message.html",
        m=view,
        conversation_id=access.conversation.id,
        before=_before_arg(),
    ), status


def _presence_of(summary: dict | None) -> tuple[User | None, dict | None]:
    if not summary:
        return None, None
    person = db.session.get(User, summary["id"])
    if person is None:
        return None, None
    return person, profiles.visible_presence(current_user.id, person)


# -- lists, search, directory, creating -------------------------------------------------
def _render_index(status: int = 200, errors: dict | None = None, values: dict | None = None):
    listing = conversation_listing.overview(current_user)
    presences = {}
    for item in listing:
        if item["kind"] == Kind.DIRECT and item.get("other"):
            _person, presences[item["id"]] = _presence_of(item["other"])
    return render_template(
        "conversations/index.html",
        listing=listing,
        presences=presences,
        viewer_id=current_user.id,
        categories=CATEGORIES,
        errors=errors or {},
        values=values or {},
    ), status


def _failure(form: str, error: ServiceError) -> dict:
    """A form's error, by form, with the field at fault when the service named one."""
    return {form: {"field": error.field, "message": error.message}}


@bp.get("/conversations")
@login_required
def index():
    return _render_index()


@bp.post("/conversations/direct")
@per_user(budgets.CONVERSATION_CREATE)
@login_required
def open_direct():
    username = request.form.get("username", "").strip().lstrip("@")
    try:
        if not username:
            raise ServiceError("Who do you want to write to?", field="username")
        conversation = conversations.open_direct(current_user, username)
    except ServiceError as error:
        return _render_index(400, _failure("direct", error), {"username": username})
    return _go(url_for("conversations.show", conversation_id=conversation.id))


@bp.post("/conversations/groups")
@per_user(budgets.CONVERSATION_CREATE)
@login_required
def create_group():
    form = request.form
    try:
        conversation = conversations.create_group(
            current_user,
            form.get("name", ""),
            _usernames(form.get("members", "")),
            description=form.get("description", ""),
            category=form.get("category", "general"),
        )
    except ServiceError as error:
        return _render_index(400, _failure("group", error), form)
    flash(f"Group “{conversation.name}” created.", "success")
    return _go(url_for("conversations.show", conversation_id=conversation.id))


@bp.get("/conversations/search")
@login_required
def search():
    query = request.args.get("q", "")[:200]
    error = None
    found: list[Message] = []
    try:
        found = message_reading.search(current_user, query)
    except ServiceError as failure:
        error = failure.message
    names = (
        {item["id"]: item for item in conversation_listing.overview(current_user)} if found else {}
    )
    results = [
        {"message": messages.to_dict(message), "conversation": names.get(message.conversation_id)}
        for message in found
    ]
    return render_template(
        "conversations/search.html", query=query, results=results, error=error
    ), (400 if error else 200)


def _render_rooms(status: int = 200, errors: dict | None = None, values: dict | None = None):
    query = request.args.get("q", "")[:64]
    category = request.args.get("category") or None
    error = None
    rooms: list[Conversation] = []
    try:
        rooms = conversation_listing.directory(query, category)
    except ServiceError as failure:
        error = failure.message
    mine = {
        item["id"]
        for item in conversation_listing.overview(current_user)
        if item["kind"] == Kind.ROOM
    }
    return render_template(
        "conversations/rooms.html",
        rooms=[conversations.to_dict(room) for room in rooms],
        mine=mine,
        query=query,
        category=category,
        categories=CATEGORIES,
        error=error,
        errors=errors or {},
        values=values or {},
    ), (400 if error else status)


@bp.get("/rooms")
@login_required
def rooms():
    return _render_rooms()


@bp.post("/rooms")
@per_user(budgets.CONVERSATION_CREATE)
@login_required
def create_room():
    form = request.form
    try:
        conversation = conversations.create_room(
            current_user,
            form.get("name", ""),
            visibility=form.get("visibility", "public"),
            description=form.get("description", ""),
            category=form.get("category", "general"),
            member_limit=_int_or_raw(form.get("member_limit")) or 1000,
        )
    except ServiceError as error:
        return _render_rooms(400, _failure("room", error), form)
    flash(f"Room “{conversation.name}” created.", "success")
    return _go(url_for("conversations.show", conversation_id=conversation.id))


# -- one conversation -------------------------------------------------------------------
def _render_conversation(access: Access, status: int = 200, compose: dict | None = None):
    conversation = access.conversation
    before = _before_arg()
    page = message_reading.history(current_user, conversation.id, before=before, limit=PAGE_SIZE)
    newest = page[0] if page else None
    if before is None and newest is not None:
        message_reading.mark_read(current_user, conversation.id, newest.id)
    items = message_views(list(reversed(page)), conversation.id, current_user.id, access.manages)
    info = conversations.to_dict(conversation, current_user.id)
    other, presence = _presence_of(info.get("other"))
    if compose is None:
        reply_to = _id_value(request.args.get("reply_to"))
        reply = reply_quotes(conversation.id, {reply_to}).get(reply_to) if reply_to else None
        compose = compose_context(conversation.id, reply=reply)
    return render_template(
        "conversations/show.html",
        conversation=info,
        access=access,
        items=items,
        before=before,
        has_older=len(page) == PAGE_SIZE,
        oldest_id=page[-1].id if page else None,
        seen=seen_by_for(current_user, conversation, newest) if before is None else [],
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
    access = conversations.get(current_user, conversation_id)
    if not access.is_member:  # a public room: its recent messages, read-only, and Join
        recent = message_reading.history(current_user, conversation_id, limit=PREVIEW_SIZE)
        return render_template(
            "conversations/preview.html",
            conversation=conversations.to_dict(access.conversation, current_user.id),
            recent=[messages.to_dict(message) for message in reversed(recent)],
        )
    return _render_conversation(access)


@bp.post("/conversations/<int:conversation_id>/join")
@per_user(budgets.CONVERSATION_JOIN)
@login_required
def join(conversation_id: int):
    try:
        conversation_members.join(current_user, conversation_id)
    except ServiceError as error:
        if isinstance(error, NotFound):
            raise
        flash(error.message, "error")
        return _go(url_for("conversations.rooms"))
    return _go(url_for("conversations.show", conversation_id=conversation_id))


@bp.post("/conversations/<int:conversation_id>/leave")
@per_user(budgets.CONVERSATION_LEAVE)
@login_required
def leave(conversation_id: int):
    access = conversations.get(current_user, conversation_id)
    name = access.conversation.name
    conversation_members.leave(current_user, conversation_id)
    flash(f"You left “{name}”.", "success")
    return _go(url_for("conversations.index"))


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


@bp.post("/conversations/<int:conversation_id>/messages")
@per_user(budgets.SEND_MESSAGE)
@upload_limit
@login_required
def send_message(conversation_id: int):
    form = request.form
    body = form.get("body", "")
    reply_to = _int_or_raw(form.get("reply_to"))
    try:
        attachment_id = None
        if _has_file():
            upload = request.files["file"]
            attachment = attachments.upload(
                current_user, conversation_id, upload.stream, upload.filename or ""
            )
            attachment_id = attachment.id
        message = messages.send(
            current_user,
            conversation_id,
            body,
            client_id=form.get("client_id") or None,
            reply_to=reply_to,
            attachment_id=attachment_id,
        )
    except ServiceError as error:
        if isinstance(error, NotFound):
            raise
        reply = None
        if isinstance(reply_to, int):
            reply = reply_quotes(conversation_id, {reply_to}).get(reply_to)
        compose = compose_context(conversation_id, body=body, reply=reply, error=error.message)
        if _htmx():
            return render_template("partials/compose.html", compose=compose)
        return _render_conversation(conversations.get(current_user, conversation_id), 400, compose)
    if _htmx():
        return render_template("partials/compose.html", compose=compose_context(conversation_id))
    return redirect(
        url_for(
            "conversations.show",
            conversation_id=conversation_id,
            _anchor=f"message-{message['id']}",
        )
    )


@bp.get("/conversations/<int:conversation_id>/compose")
@login_required
def compose(conversation_id: int):
    """The compose form, replying to a message or not (htmx swaps it in place)."""
    access = conversations.get(current_user, conversation_id)
    if not access.is_member:
        raise NotFound("No such conversation.")
    reply_to = _id_value(request.args.get("reply_to"))
    if not _htmx():
        return redirect(
            url_for(
                "conversations.show",
                conversation_id=conversation_id,
                reply_to=reply_to,
                _anchor="compose",
            )
        )
    reply = reply_quotes(conversation_id, {reply_to}).get(reply_to) if reply_to else None
    return render_template(
        "partials/compose.html", compose=compose_context(conversation_id, reply=reply)
    )


@bp.get("/conversations/<int:conversation_id>/messages/<int:message_id>")
@login_required
def message(conversation_id: int, message_id: int):
    access, found = _message_here(conversation_id, message_id)
    if _htmx():
        return _one_message(access, found)
    return redirect(_shown_at(conversation_id, message_id))


def _render_edit(access: Access, found: Message, body: str, error: str | None, status: int):
    context = {
        "conversation": conversations.to_dict(access.conversation, current_user.id),
        "m": messages.to_dict(found),
        "body": body,
        "error": error,
        "before": _before_arg(),
    }
    if _htmx():
        return render_template("partials/message_edit.html", **context)
    return render_template("conversations/edit.html", **context), status


@bp.get("/conversations/<int:conversation_id>/messages/<int:message_id>/edit")
@login_required
def edit_message_form(conversation_id: int, message_id: int):
    access, found = _message_here(conversation_id, message_id)
    if found.sender_id != current_user.id or found.kind != "text" or found.deleted_at:
        raise Forbidden("You can only edit your own messages.")
    return _render_edit(access, found, found.body, None, 200)


@bp.post("/conversations/<int:conversation_id>/messages/<int:message_id>/edit")
@per_user(budgets.MESSAGE_EDIT)
@login_required
def edit_message(conversation_id: int, message_id: int):
    access, found = _message_here(conversation_id, message_id)
    body = request.form.get("body", "")
    try:
        message_edits.edit(current_user, message_id, body)
    except ValidationError as error:
        return _render_edit(access, found, body, error.message, 400)
    if _htmx():
        return _one_message(access, found)
    return redirect(_shown_at(conversation_id, message_id))


@bp.post("/conversations/<int:conversation_id>/messages/<int:message_id>/delete")
@per_user(budgets.MESSAGE_DELETE)
@login_required
def delete_message(conversation_id: int, message_id: int):
    access, found = _message_here(conversation_id, message_id)
    if found.sender_id == current_user.id or access.manages:
        back = _shown_at(conversation_id, message_id)
        if page := not_yet_sure("Delete this message?", "Delete the message", back, _GONE_FOR_GOOD):
            return page
    message_edits.delete(current_user, message_id)
    if _htmx():
        return _one_message(access, found)
    flash("Message deleted.", "success")
    return redirect(_shown_at(conversation_id, message_id))


@bp.post("/conversations/<int:conversation_id>/messages/<int:message_id>/react")
@per_user(budgets.MESSAGE_REACT)
@login_required
def react(conversation_id: int, message_id: int):
    access, found = _message_here(conversation_id, message_id)
    message_edits.react(current_user, message_id, request.form.get("emoji", ""))
    if _htmx():
        return _one_message(access, found)
    return redirect(_shown_at(conversation_id, message_id))


@bp.post("/conversations/<int:conversation_id>/read")
@per_user(budgets.MESSAGE_READ)
@login_required
def mark_read(conversation_id: int):
    message_reading.mark_read(
        current_user, conversation_id, _int_or_raw(request.form.get("message_id"))
    )
    if _htmx():
        return "", 204
    return redirect(url_for("conversations.show", conversation_id=conversation_id))


@bp.post("/conversations/<int:conversation_id>/typing")
@per_user(budgets.TYPING)
@login_required
def typing(conversation_id: int):
    messages.typing(current_user, conversation_id, True)
    if _htmx():
        return "", 204
    return redirect(url_for("conversations.show", conversation_id=conversation_id))


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


# -- members and settings ---------------------------------------------------------------
def _group_or_room(conversation_id: int) -> Access:
    access = conversations.get(current_user, conversation_id)
    if not access.is_member or access.conversation.kind == Kind.DIRECT:
        raise NotFound("There is no member list here.")
    return access


def _render_members(access: Access, status: int = 200, errors: dict | None = None, values=None):
    people = conversation_listing.members(current_user, access.conversation.id)
    query = request.args.get("q", "").strip()[:100] if access.manages else ""
    candidates, search_error = [], None
    if query:
        try:
            candidates = invites.member_candidates(current_user, access.conversation.id, query)
        except ValidationError as problem:
            search_error = problem.message
    info = conversations.to_dict(access.conversation, current_user.id)
    rows = [
        {
            **conversations.member_dict(membership),
            "me": membership.user_id == current_user.id,
            "outranked": outranks(access.membership, membership),
        }
        for membership in people
    ]
    return render_template(
        "conversations/members.html",
        conversation=info,
        access=access,
        rows=rows,
        categories=CATEGORIES,
        errors=errors or {},
        values=values or info,
        mute_max=conversation_members.MUTE_MAX_MINUTES,
        query=query,
        candidates=candidates,
        search_error=search_error,
    ), status


@bp.get("/conversations/<int:conversation_id>/members")
@login_required
def members(conversation_id: int):
    access = conversations.get(current_user, conversation_id)
    if not access.is_member or access.conversation.kind == Kind.DIRECT:
        return redirect(url_for("conversations.show", conversation_id=conversation_id))
    return _render_members(access)


def _manage(conversation_id: int, action, done: str, query: str = ""):
    """Run one member action; its outcome is flashed on the member page (showing the
    people search it came from, if any)."""
    _group_or_room(conversation_id)
    try:
        action()
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")
    back = url_for("conversations.members", conversation_id=conversation_id, q=query or None)
    return _go(back)


@bp.post("/conversations/<int:conversation_id>/members")
@per_user(budgets.CONVERSATION_MEMBERS)
@login_required
def add_member(conversation_id: int):
    username = request.form.get("username", "").strip().lstrip("@")
    return _manage(
        conversation_id,
        lambda: conversation_members.add_member(current_user, conversation_id, username),
        f"{username} is a member now.",
        request.form.get("q", "").strip()[:100],
    )


@bp.post("/conversations/<int:conversation_id>/members/<username>/remove")
@per_user(budgets.CONVERSATION_MEMBERS)
@login_required
def remove_member(conversation_id: int, username: str):
    if _group_or_room(conversation_id).manages:
        back = url_for("conversations.members", conversation_id=conversation_id)
        if page := not_yet_sure(f"Remove {username}?", f"Remove {username}", back):
            return page
    return _manage(
        conversation_id,
        lambda: conversation_members.remove_member(current_user, conversation_id, username),
        f"{username} was removed.",
    )


@bp.post("/conversations/<int:conversation_id>/members/<username>/role")
@per_user(budgets.CONVERSATION_MEMBERS)
@login_required
def set_role(conversation_id: int, username: str):
    role = request.form.get("role", "")
    return _manage(
        conversation_id,
        lambda: conversation_members.set_role(current_user, conversation_id, username, role),
        f"{username} is {'an admin' if role == 'admin' else 'a member'} now.",
    )


@bp.post("/conversations/<int:conversation_id>/members/<username>/mute")
@per_user(budgets.CONVERSATION_MEMBERS)
@login_required
def mute(conversation_id: int, username: str):
    minutes = _int_or_raw(request.form.get("minutes"))
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


@bp.post("/conversations/<int:conversation_id>/settings")
@per_user(budgets.CONVERSATION_SETTINGS)
@login_required
def update(conversation_id: int):
    access = _group_or_room(conversation_id)
    form = request.form
    changes = {key: form[key] for key in ("name", "description", "category") if key in form}
    try:
        conversation_settings.update(current_user, conversation_id, changes)
    except ValidationError as error:
        return _render_members(access, 400, _failure("settings", error), form)
    flash("Saved.", "success")
    return _go(url_for("conversations.members", conversation_id=conversation_id))


@bp.post("/conversations/<int:conversation_id>/picture")
@per_user(budgets.UPLOAD)
@login_required
def set_picture(conversation_id: int):
    _group_or_room(conversation_id)
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
    return _go(url_for("conversations.members", conversation_id=conversation_id))


@bp.post("/conversations/<int:conversation_id>/delete")
@per_user(budgets.CONVERSATION_SETTINGS)
@login_required
def delete(conversation_id: int):
    access = _group_or_room(conversation_id)
    name = access.conversation.name
    if access.is_owner:
        back = url_for("conversations.members", conversation_id=conversation_id)
        detail = "It closes for every member, and its messages go with it. " + _GONE_FOR_GOOD
        question = f"Delete “{name}” for everyone?"
        if page := not_yet_sure(question, "Delete for everyone", back, detail):
            return page
    conversation_settings.delete(current_user, conversation_id)
    flash(f"“{name}” is deleted.", "success")
    return _go(url_for("conversations.index"))


@bp.app_context_processor
def _unread_messages() -> dict:
    """The navigation's Messages badge, counted only when a page shows it."""

    def count() -> int:
        if current_user and current_user.is_authenticated:
            return message_reading.unread_total(current_user)
        return 0

    return {"unread_messages": count}

"""Parties and rooms (ending, closing) and site-wide announcements."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

import budgets
from blueprints.admin.base import act, bp
from blueprints.confirm import not_yet_sure
from errors import ServiceError
from request_body import query_page
from route_limits import per_user
from services import (
    announcements,
    conversation_access,
    conversation_listing,
    conversations,
    moderation,
    parties,
)

ANNOUNCEMENT_DURATIONS = [
    (1, "1 hour"),
    (6, "6 hours"),
    (24, "24 hours"),
    (72, "3 days"),
    (168, "7 days"),
]


@bp.get("/content")
def content():
    page = query_page()
    live, more = parties.listing("live", page)
    rooms = conversation_listing.directory(limit=100)
    shaped = conversations.shape_many(rooms, current_user.id)
    room_owners = conversation_access.owners(rooms)
    outranked = moderation.outranked_owners(
        current_user, [party.host_id for party in live] + list(room_owners.values())
    )
    return render_template(
        "admin/content.html",
        parties=live,
        page=page,
        more=more,
        rooms=[shaped[room.id] for room in rooms],
        reason_max=moderation.REASON_MAX,
        # Staff's own, which only admins end or close: shown without the form.
        parties_kept={party.id for party in live if party.host_id in outranked},
        rooms_kept={room.id for room in rooms if room_owners[room.id] in outranked},
    )


@bp.post("/parties/<int:party_id>/end")
@per_user(budgets.MODERATION)
def end_party(party_id: int):
    if page := not_yet_sure(
        "End this party for everyone?", "End the party", url_for("admin.content")
    ):
        return page
    if act(lambda: moderation.end_party(current_user, party_id, request.form.get("reason", ""))):
        flash("The party is ended for everyone in it.", "success")
    return redirect(url_for("admin.content"))


@bp.post("/rooms/<int:conversation_id>/close")
@per_user(budgets.MODERATION)
def close_room(conversation_id: int):
    reason = request.form.get("reason", "")
    back = url_for("admin.content")
    if page := not_yet_sure("Close this room for all its members?", "Close the room", back):
        return page
    if act(lambda: moderation.close_room(current_user, conversation_id, reason)):
        flash("The room is closed.", "success")
    return redirect(url_for("admin.content"))


@bp.get("/announcements", endpoint="announcements")
def announcements_page(status: int = 200, error: str | None = None, body: str = "", hours=None):
    return render_template(
        "admin/announcements.html",
        current=[announcements.to_dict(a) for a in announcements.current()],
        may_post=current_user.is_admin,
        body_max=announcements.BODY_MAX,
        durations=ANNOUNCEMENT_DURATIONS,
        hours=hours or announcements.DEFAULT_HOURS,
        error=error,
        body=body,
    ), status


@bp.post("/announcements")
@per_user(budgets.ANNOUNCEMENT)
def post_announcement():
    body = request.form.get("body", "")
    raw = request.form.get("hours", "").strip()
    hours = int(raw) if raw.isdecimal() and len(raw) < 6 else raw or None
    try:
        announcements.post(current_user, body, hours=hours)
    except ServiceError as error:  # its unit of work has rolled back
        if error.status == 404:
            raise
        return announcements_page(400, error.message, body, hours)
    flash("The announcement is showing on every page.", "success")
    return redirect(url_for("admin.announcements"))


@bp.post("/announcements/<int:announcement_id>/withdraw")
@per_user(budgets.ANNOUNCEMENT)
def withdraw_announcement(announcement_id: int):
    back = url_for("admin.announcements")
    if page := not_yet_sure("Withdraw this announcement from every page?", "Withdraw", back):
        return page
    if act(lambda: announcements.withdraw(current_user, announcement_id)):
        flash("The announcement is withdrawn from every page.", "success")
    return redirect(url_for("admin.announcements"))

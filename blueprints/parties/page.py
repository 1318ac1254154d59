"""The party page and its live panels (people, queue); chat and reactions by form, the
fallback of the page's script."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.htmx_responses import id_value, is_htmx
from blueprints.parties.base import bp, number_or_raw, party_url
from blueprints.parties.joining import render_invite
from blueprints.security import with_player_policy
from errors import Conflict, Forbidden, ValidationError
from realtime import cursor as cursors
from realtime.bus import bus
from route_limits import user_action
from services import (
    parties,
    party_access,
    party_chat,
    party_membership,
    party_queue,
    party_shapes,
    playlist_views,
    profiles,
)
from services.party_access import PartyAccess

CHAT_PAGE = 50
PEOPLE_SHOWN = 200
RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def people_context(access: PartyAccess) -> dict:
    party = access.party
    try:
        people = party_membership.participants(current_user, party.id)
    except Forbidden:
        people = []
    live = access.active and party.status != "ended"
    # Whoever is being shown this page has it open, even before its live connection does.
    watching = set(party_membership.watchers(party.id)) | ({current_user.id} if live else set())
    watching.intersection_update(person.user_id for person in people)
    rows = [
        {
            **party_shapes.participant_dict(person),
            "person": person.user,
            "presence": profiles.visible_presence(current_user.id, person.user),
            "me": person.user_id == current_user.id,
            "is_host": person.user_id == party.host_id,
            "watching": person.user_id in watching,
        }
        for person in people[:PEOPLE_SHOWN]
    ]
    waiting = (
        party_membership.pending_requests(current_user, party.id) if live and access.drives else []
    )
    return {
        "party": party,
        "access": access,
        "live": live,
        "rows": rows,
        "count": len(people),
        "watching": len(watching),
        "more": max(0, len(people) - PEOPLE_SHOWN),
        "waiting": [party_shapes.participant_dict(person) for person in waiting],
    }


def queue_context(access: PartyAccess) -> dict:
    live = access.active and access.party.status != "ended"
    found = party_queue.listing(current_user, access.party.id) if live else []
    return {
        "party": access.party,
        "access": access,
        "live": live,
        "entries": [party_queue.to_dict(item) for item in found],
        "queued": sum(1 for item in found if item.status == "queued"),
        "playlists": playlist_views.editable(current_user) if live else [],
    }


def render_party(access: PartyAccess, status: int = 200, **forms):
    party = access.party
    # Taken before anything is read, so the stream that starts here misses nothing shown
    # after it; what it replays twice the page recognises.
    stream_cursor = cursors.encode(bus.horizon())
    info = party_shapes.to_dict(party, current_user)
    ended = party.status == "ended"
    before = id_value(request.args.get("before"))
    page = party_chat.history(current_user, party.id, before=before, limit=CHAT_PAGE)
    chat = [party_chat.to_dict(message) for message in reversed(page)]
    people = people_context(access)
    queue = queue_context(access)
    data = {
        "party_id": party.id,
        "me": current_user.to_summary(),
        "role": access.role,
        "host_id": party.host_id,
        "status": party.status,
        "media": info["media"],
        "state": info["state"],
        "queue": queue["entries"],
        "live_chat": before is None,
        "stream_cursor": stream_cursor,
        "urls": {
            "party": party_url(party.id),
            "people": url_for("parties.people", party_id=party.id),
            "queue": url_for("parties.queue", party_id=party.id),
            "stream": url_for("events.sse_stream"),
            "time": url_for("api.server_time"),
            "messages": url_for("api.party_message_send", party_id=party.id),
            "participants": url_for("api.party_participants", party_id=party.id),
        },
    }
    html = render_template(
        "parties/show.html",
        party=party,
        info=info,
        access=access,
        ended=ended,
        live=access.active and not ended,
        chat=chat,
        before=before,
        has_older=len(page) == CHAT_PAGE,
        oldest_id=page[-1].id if page else None,
        people=people,
        queue=queue,
        reactions=party_chat.REACTIONS,
        rates=RATES,
        client_id=secrets.token_urlsafe(16),
        invite_link=request.host_url.rstrip("/") + info["invite_url"] if "code" in info else None,
        data=data,
        stream_args={"party": party.id},
        watched=party_shapes.watched(party) if ended else [],
        chat_error=forms.get("chat_error"),
        chat_body=forms.get("chat_body", ""),
        queue_error=forms.get("queue_error"),
        queue_values=forms.get("queue_values", {}),
    )
    return with_player_policy(make_response(html, status))


@bp.get("/parties/<int:party_id>")
@login_required
def show(party_id: int):
    access = parties.get(current_user, party_id)
    if access.active or access.party.status == "ended":
        return render_party(access)
    return render_invite(access.party)


def render_panel(name: str, access: PartyAccess, note: tuple[str, bool] | None = None):
    if name == "people":
        context = people_context(access)
        template = "parties/_people.html"
    else:
        context = queue_context(access)
        template = "parties/_queue.html"
    return render_template(template, people=context, queue=context, note=note)


def _panel_page(party_id: int, name: str):
    """A panel alone, for the party page to refresh; without htmx, the page at the panel."""
    access = party_access.present(current_user, party_id)
    if not is_htmx():
        return redirect(party_url(party_id, f"party-{name}"))
    return render_panel(name, access)


@bp.get("/parties/<int:party_id>/people")
@login_required
def people(party_id: int):
    """The participants panel, for the party page to refresh when people come and go."""
    return _panel_page(party_id, "people")


@bp.get("/parties/<int:party_id>/queue")
@login_required
def queue(party_id: int):
    return _panel_page(party_id, "queue")


@user_action(bp, "POST", "/parties/<int:party_id>/messages", budgets.PARTY_CHAT)
def send_message(party_id: int):
    form = request.form
    body = form.get("body", "")
    try:
        message = party_chat.send(
            current_user,
            party_id,
            body,
            video_time=number_or_raw(form.get("video_time")),
            client_id=form.get("client_id") or None,
        )
    except ValidationError as error:
        access = parties.get(current_user, party_id)
        return render_party(access, 400, chat_error=error.message, chat_body=body)
    return redirect(party_url(party_id, f"chat-message-{message.id}"))


@user_action(bp, "POST", "/parties/<int:party_id>/reactions", budgets.PARTY_REACTION)
def react(party_id: int):
    party_chat.react(current_user, party_id, request.form.get("emoji", ""))
    if is_htmx():
        return "", 204
    return redirect(party_url(party_id))


def manage_in_panel(
    party_id: int, panel: str, done: str, action: Callable[..., object], *args: object
):
    """Run one action, `action(current_user, party_id, *args)`; its outcome (`done`, or
    the refusal in words) shows in its panel (htmx) or on the page. Refusals of who may
    do it (403) and unknown people or items (404) are error pages."""
    try:
        action(current_user, party_id, *args)
    except (ValidationError, Conflict) as error:
        note = (error.message, False)
    else:
        note = (done, True)
    if is_htmx():
        return render_panel(panel, party_access.present(current_user, party_id), note)
    flash(note[0], "success" if note[1] else "error")
    return redirect(party_url(party_id, f"party-{panel}"))

"""Watch-party pages: the listing, creating, invite links, and the party page itself.

Every form is a plain POST that comes back to a page (Post/Redirect/Get), so the pages work
without JavaScript. With htmx the participant and queue forms answer with their panel to
swap in place. The party page's own script (static/js/party/) keeps the player in time with
the party over Socket.IO, or over Server-Sent Events from the page's `stream_cursor` when
sockets are refused, and sends chat and reactions the same way; the forms here are its
fallback. Every rule lives in the party services: these views read a form, call one service
and show the outcome.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

import budgets
from blueprints.confirm import not_yet_sure
from blueprints.security import CONTENT_SECURITY_POLICY
from errors import Conflict, Forbidden, NotFound, ServiceError, ValidationError
from extensions import db
from models.party import Party
from realtime import cursor as cursors
from realtime.bus import bus
from route_limits import per_user
from services import (
    invites,
    parties,
    party_access,
    party_chat,
    party_media,
    party_membership,
    party_queue,
    party_shapes,
    playback,
    profiles,
)
from services.party_access import PartyAccess

bp = Blueprint("parties", __name__)

TABS = {"live": "Live", "upcoming": "Upcoming", "ended": "Recently ended", "mine": "Mine"}
CHAT_PAGE = 50
PEOPLE_SHOWN = 200
RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
INVITE_CODE = re.compile(r"[A-Za-z0-9]{6}")

# The party page alone may load the YouTube IFrame API, and play direct video links that
# are served over plain http; everything else of the site-wide policy stays as it is.
PARTY_PAGE_SOURCES = {
    "script-src": "'self' https://www.youtube.com https://s.ytimg.com",
    "frame-src": "https://www.youtube.com https://www.youtube-nocookie.com",
    "media-src": "'self' http: https: blob:",
}


def party_page_policy() -> str:
    directives: dict[str, str] = {}
    for directive in CONTENT_SECURITY_POLICY.split(";"):
        name, _, value = directive.strip().partition(" ")
        directives[name] = value
    directives.update(PARTY_PAGE_SOURCES)
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


@bp.app_template_filter("clock")
def clock(seconds: float | None) -> str:
    """A video time as 1:02:03 or 2:03."""
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# -- small request helpers --------------------------------------------------------------
def _htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdecimal() and 0 < int(raw) <= 10_000 else 1


def _id_value(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdecimal() and len(raw) < 12 and int(raw) > 0 else None


def _int_or_raw(raw: str | None) -> int | str | None:
    """A form number as int; empty as None; anything else as given, for the service to
    refuse with its own message."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    return int(raw) if raw.isdecimal() and len(raw) < 12 else raw


def _number_or_raw(raw: str | None) -> float | str | None:
    if raw is None or not raw.strip():
        return None
    try:
        return float(raw)
    except ValueError:
        return raw


def _scheduled(form) -> str | None:
    """The form's local start time as ISO 8601 with its zone. The page's script puts the
    browser's UTC offset (in minutes, as JavaScript counts it) in `tz_offset`; without it
    the time is taken as UTC."""
    raw = form.get("scheduled_at", "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw  # the service explains what it wants
    if moment.tzinfo is None:
        offset = form.get("tz_offset", "").strip()
        minutes = int(offset) if re.fullmatch(r"-?\d{1,3}", offset) else 0
        if abs(minutes) > 14 * 60:
            minutes = 0
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=-minutes)))
    # In UTC: stored times are UTC, and SQLite keeps no offset.
    return moment.astimezone(UTC).isoformat()


def _party_by_code(code: str) -> Party:
    if not INVITE_CODE.fullmatch(code):
        raise NotFound("No party has that code.")
    party = db.session.scalar(select(Party).where(Party.code == code.upper()))
    if party is None:
        raise NotFound("No party has that code.")
    return party


def _party_url(party_id: int, anchor: str | None = None) -> str:
    return url_for("parties.show", party_id=party_id, _anchor=anchor)


# -- listing, creating ------------------------------------------------------------------
@bp.get("/parties")
@login_required
def index():
    tab = request.args.get("tab", "live")
    if tab not in TABS:
        tab = "live"
    page = _page_number()
    if tab == "mine":
        found, has_next = parties.mine(current_user, page)
    else:
        found, has_next = parties.listing(tab, page)
    cards = []
    for party in found:
        mine = party_access.participant_of(party.id, current_user.id)
        cards.append(
            {
                **party_shapes.to_dict(party, current_user),
                "joined": mine is not None and mine.status == "active",
            }
        )
    return render_template(
        "parties/index.html", tab=tab, tabs=TABS, cards=cards, page=page, has_next=has_next
    )


@bp.get("/join")
@login_required
def find_by_code():
    """The "join with a code" box of the listing."""
    code = request.args.get("code", "").strip().upper()
    if not code:
        return redirect(url_for("parties.index"))
    return redirect(url_for("parties.invite", code=code))


def _render_new(status: int = 200, errors: dict | None = None, values=None):
    return render_template(
        "parties/new.html", errors=errors or {}, values=values or {"max_participants": 100}
    ), status


@bp.get("/parties/new")
@login_required
def new():
    return _render_new()


@bp.post("/parties/new")
@per_user(budgets.PARTY_CREATE)
@login_required
def create():
    form = request.form
    limit = _int_or_raw(form.get("max_participants"))
    fields = {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "media_url": form.get("media_url", ""),
        "visibility": form.get("visibility", "public"),
        "max_participants": 100 if limit is None else limit,
        "requires_approval": "requires_approval" in form,
        "allow_suggestions": "allow_suggestions" in form,
        "scheduled_at": _scheduled(form),
    }
    errors: dict[str, str] = {}
    # The service stops at the first fault; the two fields people most often get wrong
    # are checked up front too, so both errors show at once.
    if not fields["title"].strip():
        errors["title"] = "Give the party a title."
    try:
        party_media.media_kind(fields["media_url"])
    except ValidationError as error:
        errors["media_url"] = error.message
    party = None
    if not errors:
        try:
            party = parties.create(current_user, fields)
        except ServiceError as error:
            errors[error.field or "form"] = error.message
    if party is None:
        return _render_new(400, errors, form)
    if party.status == "upcoming":
        flash(f"“{party.title}” is scheduled. Share the invite link.", "success")
    else:
        flash(f"“{party.title}” is live. Share the invite link.", "success")
    return redirect(_party_url(party.id))


# -- invites and joining ----------------------------------------------------------------
def _render_invite(party: Party, status: int = 200, join_action: str | None = None):
    """A party seen from outside: what it is, and a way in (or why there is none)."""
    participant = party_access.participant_of(party.id, current_user.id)
    return render_template(
        "parties/join.html",
        party=party,
        info=party_shapes.to_dict(party, current_user),
        participant_status=participant.status if participant else None,
        join_action=join_action or url_for("parties.join_by_id", party_id=party.id),
    ), status


@bp.get("/join/<code>")
@per_user(budgets.PARTY_CODE_LOOKUP)  # each visit is a guess at a private party's code
@login_required
def invite(code: str):
    party = _party_by_code(code)
    return _render_invite(party, join_action=url_for("parties.join", code=party.code))


@bp.post("/join/<code>")
@per_user(budgets.PARTY_JOIN)
@login_required
def join(code: str):
    party, participant = party_membership.join_by_code(current_user, code)
    if participant.status == "pending":
        return _render_invite(party, 202, url_for("parties.join", code=party.code))
    flash(f"You joined “{party.title}”.", "success")
    return redirect(_party_url(party.id))


@bp.post("/parties/<int:party_id>/join")
@per_user(budgets.PARTY_JOIN)
@login_required
def join_by_id(party_id: int):
    try:
        access = party_membership.enter(current_user, party_id)
    except Forbidden as error:
        if error.code != "pending":
            raise
        return _render_invite(parties.get(current_user, party_id).party, 202)
    flash(f"You joined “{access.party.title}”.", "success")
    return redirect(_party_url(party_id))


# -- the party page ---------------------------------------------------------------------
def _people_context(access: PartyAccess) -> dict:
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


def _queue_context(access: PartyAccess) -> dict:
    live = access.active and access.party.status != "ended"
    found = party_queue.listing(current_user, access.party.id) if live else []
    return {
        "party": access.party,
        "access": access,
        "live": live,
        "entries": [party_queue.to_dict(item) for item in found],
        "queued": sum(1 for item in found if item.status == "queued"),
    }


def _render_party(access: PartyAccess, status: int = 200, **forms):
    party = access.party
    # Taken before anything is read, so the stream that starts here misses nothing shown
    # after it; what it replays twice the page recognises.
    stream_cursor = cursors.encode(bus.horizon())
    info = party_shapes.to_dict(party, current_user)
    ended = party.status == "ended"
    before = _id_value(request.args.get("before"))
    page = party_chat.history(current_user, party.id, before=before, limit=CHAT_PAGE)
    chat = [party_chat.to_dict(message) for message in reversed(page)]
    people = _people_context(access)
    queue = _queue_context(access)
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
            "party": _party_url(party.id),
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
    response = make_response(html, status)
    response.headers["Content-Security-Policy"] = party_page_policy()
    return response


@bp.get("/parties/<int:party_id>")
@login_required
def show(party_id: int):
    access = parties.get(current_user, party_id)
    if access.active or access.party.status == "ended":
        return _render_party(access)
    return _render_invite(access.party)


def _panel(name: str, access: PartyAccess, note: tuple[str, bool] | None = None):
    if name == "people":
        context = _people_context(access)
        template = "parties/_people.html"
    else:
        context = _queue_context(access)
        template = "parties/_queue.html"
    return render_template(template, people=context, queue=context, note=note)


@bp.get("/parties/<int:party_id>/people")
@login_required
def people(party_id: int):
    """The participants panel, for the party page to refresh when people come and go."""
    access = party_access.present(current_user, party_id)
    if not _htmx():
        return redirect(_party_url(party_id, "party-people"))
    return _panel("people", access)


@bp.get("/parties/<int:party_id>/queue")
@login_required
def queue(party_id: int):
    access = party_access.present(current_user, party_id)
    if not _htmx():
        return redirect(_party_url(party_id, "party-queue"))
    return _panel("queue", access)


# -- chat and reactions (the script sends both over the socket; these are the fallback) --
@bp.post("/parties/<int:party_id>/messages")
@per_user(budgets.PARTY_CHAT)
@login_required
def send_message(party_id: int):
    form = request.form
    body = form.get("body", "")
    try:
        message = party_chat.send(
            current_user,
            party_id,
            body,
            video_time=_number_or_raw(form.get("video_time")),
            client_id=form.get("client_id") or None,
        )
    except ValidationError as error:
        access = parties.get(current_user, party_id)
        return _render_party(access, 400, chat_error=error.message, chat_body=body)
    return redirect(_party_url(party_id, f"chat-message-{message.id}"))


@bp.post("/parties/<int:party_id>/reactions")
@per_user(budgets.PARTY_REACTION)
@login_required
def react(party_id: int):
    party_chat.react(current_user, party_id, request.form.get("emoji", ""))
    if _htmx():
        return "", 204
    return redirect(_party_url(party_id))


# -- leaving, ending, starting ----------------------------------------------------------
@bp.post("/parties/<int:party_id>/leave")
@per_user(budgets.PARTY_LEAVE)
@login_required
def leave(party_id: int):
    title = parties.get(current_user, party_id).party.title
    party_membership.leave(current_user, party_id)
    flash(f"You left “{title}”.", "success")
    return redirect(url_for("parties.index"))


@bp.post("/parties/<int:party_id>/end")
@per_user(budgets.PARTY_LIFECYCLE)
@login_required
def end(party_id: int):
    title = party_access.host(current_user, party_id).party.title
    question = f"End “{title}” for everyone?"
    detail = "Everyone in it stops watching together. This cannot be undone."
    if page := not_yet_sure(question, "End the party", _party_url(party_id), detail):
        return page
    parties.end(current_user, party_id)
    # The page itself says it has ended, once.
    return redirect(_party_url(party_id))


@bp.post("/parties/<int:party_id>/start")
@per_user(budgets.PARTY_LIFECYCLE)
@login_required
def start(party_id: int):
    party = parties.start(current_user, party_id)
    flash(f"“{party.title}” is live.", "success")
    return redirect(_party_url(party_id))


@bp.post("/parties/<int:party_id>/next")
@per_user(budgets.PARTY_CONTROL)
@login_required
def play_next(party_id: int):
    return _manage(
        party_id,
        "queue",
        lambda: playback.next_item(current_user, party_id),
        "Playing the next one.",
    )


# -- participants and the queue: host and co-host forms ---------------------------------
def _manage(party_id: int, panel: str, action: Callable[[], object], done: str):
    """Run one action; its outcome shows in its panel (htmx) or on the page. Refusals of
    who may do it (403) and unknown people or items (404) are error pages."""
    try:
        action()
    except (ValidationError, Conflict) as error:
        note = (error.message, False)
    else:
        note = (done, True)
    if _htmx():
        return _panel(panel, party_access.present(current_user, party_id), note)
    flash(note[0], "success" if note[1] else "error")
    return redirect(_party_url(party_id, f"party-{panel}"))


@bp.post("/parties/<int:party_id>/requests/<username>/<any(approve, refuse):decision>")
@per_user(budgets.PARTY_PEOPLE)
@login_required
def decide(party_id: int, username: str, decision: str):
    approve = decision == "approve"
    return _manage(
        party_id,
        "people",
        lambda: party_membership.decide(current_user, party_id, username, approve),
        f"{username} is in." if approve else f"{username} was turned away.",
    )


@bp.post("/parties/<int:party_id>/participants/<username>/role")
@per_user(budgets.PARTY_PEOPLE)
@login_required
def set_role(party_id: int, username: str):
    role = request.form.get("role", "")
    return _manage(
        party_id,
        "people",
        lambda: party_membership.set_role(current_user, party_id, username, role),
        f"{username} is a {role} now.",
    )


@bp.post("/parties/<int:party_id>/participants/<username>/remove")
@per_user(budgets.PARTY_PEOPLE)
@login_required
def remove(party_id: int, username: str):
    party_access.host(current_user, party_id)
    back = _party_url(party_id, "party-people")
    detail = "They cannot come back to this party."
    if page := not_yet_sure(
        f"Remove {username} from the party?", f"Remove {username}", back, detail
    ):
        return page
    return _manage(
        party_id,
        "people",
        lambda: party_membership.remove(current_user, party_id, username),
        f"{username} was removed from the party.",
    )


@bp.post("/parties/<int:party_id>/queue")
@per_user(budgets.PARTY_QUEUE)
@login_required
def queue_add(party_id: int):
    form = request.form
    try:
        item = party_queue.add(
            current_user, party_id, form.get("media_url", ""), form.get("title", "")
        )
    except ValidationError as error:
        access = party_access.present(current_user, party_id)
        if _htmx():
            context = _queue_context(access)
            return render_template(
                "parties/_queue.html",
                queue=context,
                note=None,
                queue_error=(error.field, error.message),
                queue_values=form,
            )
        return _render_party(
            access, 400, queue_error=(error.field, error.message), queue_values=form
        )
    done = "Added to the queue." if item.status == "queued" else "Suggested to the host."
    if _htmx():
        return _panel("queue", party_access.present(current_user, party_id), (done, True))
    flash(done, "success")
    return redirect(_party_url(party_id, "party-queue"))


@bp.post("/parties/<int:party_id>/queue/<int:item_id>/remove")
@per_user(budgets.PARTY_QUEUE)
@login_required
def queue_remove(party_id: int, item_id: int):
    return _manage(
        party_id,
        "queue",
        lambda: party_queue.remove(current_user, party_id, item_id),
        "Taken off the queue.",
    )


@bp.post("/parties/<int:party_id>/queue/<int:item_id>/accept")
@per_user(budgets.PARTY_QUEUE)
@login_required
def queue_accept(party_id: int, item_id: int):
    return _manage(
        party_id,
        "queue",
        lambda: party_queue.accept(current_user, party_id, item_id),
        "Suggestion accepted.",
    )


@bp.post("/parties/<int:party_id>/queue/<int:item_id>/<any(up, down):direction>")
@per_user(budgets.PARTY_QUEUE)
@login_required
def queue_move(party_id: int, item_id: int, direction: str):
    def move() -> None:
        order = [item.id for item in party_queue.listing(current_user, party_id)]
        if item_id not in order:
            raise NotFound("No such queue item.")
        here = order.index(item_id)
        there = here - 1 if direction == "up" else here + 1
        if 0 <= there < len(order):
            order[here], order[there] = order[there], order[here]
        party_queue.reorder(current_user, party_id, order)

    return _manage(party_id, "queue", move, "Queue reordered.")


# -- inviting people --------------------------------------------------------------------
def _render_invites(party: Party, query: str, note: tuple[str, bool] | None, status: int = 200):
    """The search and its results: the party page's invite panel swaps the results in
    place; without JavaScript they are a page of their own."""
    error = None
    found = []
    if query:
        try:
            found = invites.party_candidates(current_user, party.id, query)
        except ValidationError as problem:
            error = problem.message
    context = {"party": party, "query": query, "found": found, "error": error, "note": note}
    if _htmx():
        return render_template("parties/_invite_results.html", **context), status
    return render_template("parties/invite.html", **context), status


@bp.get("/parties/<int:party_id>/invite")
@login_required
def invite_search(party_id: int):
    party = invites.party_for_invites(current_user, party_id)
    return _render_invites(party, request.args.get("q", "").strip()[:100], None)


@bp.post("/parties/<int:party_id>/invite")
@per_user(budgets.PARTY_INVITE)
@login_required
def invite_person(party_id: int):
    party = invites.party_for_invites(current_user, party_id)
    username = request.form.get("username", "")
    query = request.form.get("q", "").strip()[:100]
    try:
        person = invites.invite_to_party(current_user, party_id, username)
    except ServiceError as error:  # the party was found above: this is about the person
        db.session.rollback()
        note = (error.message, False)
    else:
        note = (f"{person.username} is invited; they can join from their notifications.", True)
    if _htmx():
        return _render_invites(party, query, note)
    flash(note[0], "success" if note[1] else "error")
    return redirect(url_for("parties.invite_search", party_id=party_id, q=query or None))

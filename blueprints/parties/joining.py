"""Finding a party and getting in: the listing, creating one, invite links and joining."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.htmx_responses import int_or_raw
from blueprints.parties.base import bp, party_url, scheduled
from blueprints.parties.cards import card
from errors import Forbidden, NotFound, ServiceError, ValidationError
from models.party import Party
from request_body import query_choice, query_page
from route_limits import user_action
from services import parties, party_access, party_media, party_membership, party_shapes

TABS = {"live": "Live", "upcoming": "Upcoming", "ended": "Recently ended", "mine": "Mine"}
INVITE_CODE = re.compile(r"[A-Za-z0-9]{6}")


def _party_by_code(code: str) -> Party:
    if not INVITE_CODE.fullmatch(code):
        raise NotFound("No party has that code.")
    return party_access.by_code(code)


@bp.get("/parties")
@login_required
def index():
    tab = query_choice("tab", TABS)
    page = query_page()
    if tab == "mine":
        found, has_next = parties.mine(current_user, page)
    else:
        found, has_next = parties.listing(tab, page, current_user)
    listed = [card(current_user, party) for party in found]
    return render_template(
        "parties/index.html", tab=tab, tabs=TABS, cards=listed, page=page, has_next=has_next
    )


@bp.get("/join")
@login_required
def find_by_code():
    """The "join with a code" box of the listing."""
    code = request.args.get("code", "").strip().upper()
    if not code:
        return redirect(url_for("parties.index"))
    return redirect(url_for("parties.invite", code=code))


@bp.get("/parties/new")
@login_required
def new(status: int = 200, errors: dict | None = None, values=None):
    """The form that creates a party; refused, it shows again with `errors` and what was
    typed (`values`)."""
    return render_template(
        "parties/new.html", errors=errors or {}, values=values or {"max_participants": 100}
    ), status


@user_action(bp, "POST", "/parties/new", budgets.PARTY_CREATE)
def create():
    form = request.form
    limit = int_or_raw(form.get("max_participants"))
    fields = {
        "title": form.get("title", ""),
        "description": form.get("description", ""),
        "media_url": form.get("media_url", ""),
        "visibility": form.get("visibility", "public"),
        "max_participants": 100 if limit is None else limit,
        "requires_approval": "requires_approval" in form,
        "allow_suggestions": "allow_suggestions" in form,
        "scheduled_at": scheduled(form),
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
        return new(400, errors, form)
    if party.status == "upcoming":
        flash(f"“{party.title}” is scheduled. Share the invite link.", "success")
    else:
        flash(f"“{party.title}” is live. Share the invite link.", "success")
    return redirect(party_url(party.id))


def render_invite(party: Party, status: int = 200, join_action: str | None = None):
    """A party seen from outside: what it is, and a way in (or why there is none)."""
    participant = party_access.participant_of(party.id, current_user.id)
    return render_template(
        "parties/join.html",
        party=party,
        info=party_shapes.to_dict(party, current_user),
        participant_status=participant.status if participant else None,
        ask_again_at=party_membership.asks_again_at(participant),
        ask_again_minutes=party_membership.ASK_AGAIN_AFTER.seconds // 60,
        join_action=join_action or url_for("parties.join_by_id", party_id=party.id),
    ), status


# Each visit is a guess at a private party's code.
@user_action(bp, "GET", "/join/<code>", budgets.PARTY_CODE_LOOKUP)
def invite(code: str):
    party = _party_by_code(code)
    return render_invite(party, join_action=url_for("parties.join", code=party.code))


@user_action(bp, "POST", "/join/<code>", budgets.PARTY_JOIN)
def join(code: str):
    try:
        party, participant = party_membership.join_by_code(current_user, code)
    except Forbidden as error:
        if error.code != "refused":
            raise
        return render_invite(_party_by_code(code), 403, url_for("parties.join", code=code))
    if participant.status == "pending":
        return render_invite(party, 202, url_for("parties.join", code=party.code))
    flash(f"You joined “{party.title}”.", "success")
    return redirect(party_url(party.id))


@user_action(bp, "POST", "/parties/<int:party_id>/join", budgets.PARTY_JOIN)
def join_by_id(party_id: int):
    try:
        access = party_membership.enter(current_user, party_id)
    except Forbidden as error:
        if error.code not in ("pending", "refused"):
            raise
        status = 202 if error.code == "pending" else 403
        return render_invite(parties.get(current_user, party_id).party, status)
    flash(f"You joined “{access.party.title}”.", "success")
    return redirect(party_url(party_id))

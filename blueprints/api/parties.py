"""Watch parties over JSON."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action, plain_action
from request_body import json_body, json_fields, query_int
from services import parties, party_chat, party_membership, party_queue, party_shapes
from services.validation import string

PARTY = "/parties/<int:party_id>"


def _party_json(party_id: int) -> dict:
    access = parties.get(current_user, party_id)
    return {**party_shapes.to_dict(access.party, current_user), "role": access.role}


@action("POST", "/parties", budgets.PARTY_CREATE, status=201)
def party_create():
    party = parties.create(current_user, dict(json_body()))
    return {"party": _party_json(party.id)}


@api.get("/parties")
@login_required
def party_list():
    page = query_int("page", 10_000, 1)
    found, more = parties.listing(request.args.get("status", "live"), page, current_user)
    return jsonify(
        {
            "parties": [party_shapes.to_dict(party, current_user) for party in found],
            "page": page,
            "next_page": page + 1 if more else None,
        }
    )


@action("POST", "/parties/join", budgets.PARTY_JOIN)
def party_join():
    code = string(json_body(), "code", max_length=16)
    party, participant = party_membership.join_by_code(current_user, code)
    if participant.status == "pending":
        return {"status": "pending", "party_id": party.id}, 202
    return {"party": _party_json(party.id), "role": participant.role}


@api.get("/parties/<int:party_id>")
@login_required
def party_show(party_id: int):
    return jsonify({"party": _party_json(party_id)})


@api.get("/parties/<int:party_id>/participants")
@login_required
def party_participants(party_id: int):
    people = party_membership.participants(current_user, party_id)
    return jsonify({"participants": [party_shapes.participant_dict(p) for p in people]})


plain_action("POST", f"{PARTY}/leave", budgets.PARTY_LEAVE, party_membership.leave)


@action("POST", "/parties/<int:party_id>/end", budgets.PARTY_LIFECYCLE)
def party_end(party_id: int):
    parties.end(current_user, party_id)
    return {"party": _party_json(party_id)}


@action("POST", "/parties/<int:party_id>/start", budgets.PARTY_LIFECYCLE)
def party_start(party_id: int):
    parties.start(current_user, party_id)
    return {"party": _party_json(party_id)}


@api.get("/parties/<int:party_id>/requests")
@login_required
def party_requests(party_id: int):
    waiting = party_membership.pending_requests(current_user, party_id)
    return jsonify({"requests": [party_shapes.participant_dict(p) for p in waiting]})


@action(
    "POST",
    "/parties/<int:party_id>/requests/<username>/<any(approve, refuse):decision>",
    budgets.PARTY_PEOPLE,
)
def party_decide(party_id: int, username: str, decision: str):
    participant = party_membership.decide(current_user, party_id, username, decision == "approve")
    return {"participant": party_shapes.participant_dict(participant)}


@action("POST", "/parties/<int:party_id>/participants/<username>/role", budgets.PARTY_PEOPLE)
def party_role(party_id: int, username: str):
    role = string(json_body(), "role", max_length=8)
    participant = party_membership.set_role(current_user, party_id, username, role)
    return {"participant": party_shapes.participant_dict(participant)}


plain_action(
    "DELETE", f"{PARTY}/participants/<username>", budgets.PARTY_PEOPLE, party_membership.remove
)


@api.get("/parties/<int:party_id>/messages")
@login_required
def party_messages(party_id: int):
    before, limit = query_int("before", 2**62), query_int("limit", party_chat.PAGE_MAX, 50)
    found = party_chat.history(current_user, party_id, before=before, limit=limit)
    return jsonify({"messages": [party_chat.to_dict(m) for m in found]})


@action("POST", "/parties/<int:party_id>/messages", budgets.PARTY_CHAT, status=201)
def party_message_send(party_id: int):
    fields = json_fields("body", "video_time", "client_id")
    return {"message": party_chat.to_dict(party_chat.send(current_user, party_id, *fields))}


@api.get("/parties/<int:party_id>/queue")
@login_required
def party_queue_list(party_id: int):
    return jsonify(
        {"items": [party_queue.to_dict(i) for i in party_queue.listing(current_user, party_id)]}
    )


@action("POST", "/parties/<int:party_id>/queue", budgets.PARTY_QUEUE, status=201)
def party_queue_add(party_id: int):
    body = json_body()
    item = party_queue.add(current_user, party_id, body.get("media_url"), body.get("title", ""))
    return {"item": party_queue.to_dict(item)}


@action("POST", "/parties/<int:party_id>/queue/order", budgets.PARTY_QUEUE)
def party_queue_order(party_id: int):
    found = party_queue.reorder(current_user, party_id, json_body().get("item_ids"))
    return {"items": [party_queue.to_dict(i) for i in found]}


@action("POST", "/parties/<int:party_id>/queue/<int:item_id>/accept", budgets.PARTY_QUEUE)
def party_queue_accept(party_id: int, item_id: int):
    item = party_queue.accept(current_user, party_id, item_id)
    return {"item": party_queue.to_dict(item)}


plain_action("DELETE", f"{PARTY}/queue/<int:item_id>", budgets.PARTY_QUEUE, party_queue.remove)

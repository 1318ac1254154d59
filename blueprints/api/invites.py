"""Invitations over JSON: whom one may invite to a party, and inviting them."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action
from request_body import json_body
from services import invites


@api.get("/parties/<int:party_id>/invitable")
@login_required
def party_invitable(party_id: int):
    found = invites.party_candidates(current_user, party_id, request.args.get("q", ""))
    return jsonify({"people": [person.to_summary() for person in found]})


@action("POST", "/parties/<int:party_id>/invites", budgets.PARTY_INVITE, status=201)
def party_invite(party_id: int):
    person = invites.invite_to_party(current_user, party_id, json_body().get("username"))
    return {"invited": person.to_summary()}

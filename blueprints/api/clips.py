"""Clips over JSON: making one (from a link or from a party), reading, changing, lists."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action, plain_action
from request_body import json_body
from services import clips


@action("POST", "/clips", budgets.CLIP_WRITE, status=201)
def clip_create():
    return {"clip": clips.to_dict(clips.create(current_user, json_body()))}


@action("POST", "/parties/<int:party_id>/clip", budgets.CLIP_WRITE, status=201)
def clip_from_party(party_id: int):
    return {"clip": clips.to_dict(clips.from_party(current_user, party_id))}


@api.get("/clips/<clip_code>")
@login_required
def clip_get(clip_code: str):
    return jsonify({"clip": clips.to_dict(clips.visible_clip(current_user, clip_code))})


@action("PATCH", "/clips/<clip_code>", budgets.CLIP_WRITE)
def clip_edit(clip_code: str):
    return {"clip": clips.to_dict(clips.edit(current_user, clip_code, json_body()))}


plain_action("DELETE", "/clips/<clip_code>", budgets.CLIP_WRITE, clips.delete)


@api.get("/users/<username>/clips")
@login_required
def clips_of_user(username: str):
    made, after = clips.made_by(current_user, username, request.args.get("cursor"))
    return jsonify({"clips": [clips.to_dict(c) for c in made], "next_cursor": after})


@action("DELETE", "/admin/clips/<int:clip_id>", budgets.MODERATION)
def clip_remove(clip_id: int):
    clips.remove(current_user, clip_id, request.args.get("reason", ""))

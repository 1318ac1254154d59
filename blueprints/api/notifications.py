"""Notifications over JSON."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

import budgets
from blueprints.api import api
from blueprints.api.actions import action
from errors import ValidationError
from request_body import json_body, whole_number
from services import notifications
from services.validation import is_id


@api.get("/notifications")
@login_required
def notifications_list():
    before = request.args.get("before")
    before_id = whole_number(before)
    limit = whole_number(request.args.get("limit", "20"))
    if before is not None and not is_id(before_id):
        raise ValidationError("'before' must be a notification id.", field="before")
    if limit is None:
        raise ValidationError("'limit' must be a whole number.", field="limit")
    items = notifications.listing(current_user.id, before_id, limit=limit)
    return jsonify(
        {
            "notifications": [notifications.to_dict(item) for item in items],
            "unread_count": notifications.unread_count(current_user.id),
        }
    )


@action("POST", "/notifications/read", budgets.NOTIFICATION_READ)
def notifications_read():
    """`{"ids": [...]}` marks those read; `{"all": true}` marks every one."""
    body = json_body()
    if body.get("all") is True:
        ids = None
    else:
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > 500:
            raise ValidationError(
                "Send 'ids' (a list of 1 to 500 notification ids) or 'all': true.", field="ids"
            )
        if not all(is_id(i) and i > 0 for i in ids):
            raise ValidationError("Every id must be a positive whole number.", field="ids")
    return {"unread_count": notifications.mark_read(current_user.id, ids)}

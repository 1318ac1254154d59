"""Search over JSON: the same service, answer and cursor as the search page."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

import budgets
from blueprints.api import api
from blueprints.search import hit_dict
from route_limits import user_action
from services import search


@user_action(api, "GET", "/search", budgets.SEARCH)
def search_all():
    args = request.args
    found = search.search(
        current_user, args.get("q", ""), args.get("kind"), args.get("cursor"), args.get("category")
    )
    return jsonify(
        {
            "results": [hit_dict(hit) for hit in found.hits],
            "facets": found.facets,
            "next_cursor": found.next_cursor,
        }
    )

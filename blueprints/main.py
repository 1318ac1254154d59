"""The home page and the live-stream page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from realtime.events import KNOWN_EVENTS
from route_limits import per_user
from services import diagnostics

bp = Blueprint("main", __name__)

LIVE_TRANSPORTS = {
    "websocket": "WebSocket",
    "polling": "Engine.IO polling",
    "sse": "Server-Sent Events",
    "longpoll": "Long-polling",
    "htmx": "htmx SSE (no script of ours)",
}


@bp.get("/")
def home():
    return render_template("main/home.html")


@bp.get("/live")
@login_required
def live():
    """Your own stream, live, over the transport you pick."""
    transport = request.args.get("transport", "websocket")
    if transport not in LIVE_TRANSPORTS:
        transport = "websocket"
    return render_template(
        "main/live.html",
        transport=transport,
        transports=LIVE_TRANSPORTS,
        event_names=KNOWN_EVENTS,
    )


@bp.post("/live/echo")
@per_user(budgets.ECHO)
@login_required
def live_echo():
    diagnostics.echo(current_user.id, {"text": request.form.get("text", "")})
    if request.headers.get("HX-Request"):
        return "", 204
    return redirect(url_for("main.live", transport=request.args.get("transport", "websocket")))

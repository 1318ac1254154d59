"""The server's clock, for clients that estimate their offset to it without a socket.

It answers the same as the `time:ping` socket event. It tells nothing about anyone, so it
needs no sign-in; it is limited per IP instead (`TIME_RATE_LIMIT`).
"""

from __future__ import annotations

import time

from flask import current_app, jsonify

from blueprints.api import api
from extensions import limiter


@api.get("/time")
@limiter.limit(lambda: current_app.config["TIME_RATE_LIMIT"], scope="server-time")
def server_time():
    response = jsonify({"server_time": time.time()})
    # A cached answer would be a stale clock.
    response.headers["Cache-Control"] = "no-store"
    return response

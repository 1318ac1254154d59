"""Socket.IO events of comments on posts: thin calls into services/comments.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import budgets
from realtime.connections import SocketConnection
from services import comments
from sockets.connection import Ack, handler, socket_actor


@handler("comment:typing", budgets.TYPING)
def comment_typing(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    comments.typing(socket_actor(socket), payload.get("post_id"))
    return {}

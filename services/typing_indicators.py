"""Typing indicators that stop by themselves: a start is followed by a stop after a
few seconds unless the same person starts again."""

from __future__ import annotations

from collections.abc import Callable

import gevent
from flask import current_app

_generations: dict[tuple[str, int], int] = {}


def set_typing(
    scope: str, who: dict, is_typing: bool, announce: Callable[[dict, bool], None]
) -> None:
    """`announce(who, typing)` publishes; `scope` names the place (a conversation, a party)."""
    key = (scope, who["id"])
    generation = _generations.get(key, 0) + 1
    _generations[key] = generation
    announce(who, is_typing)
    if is_typing:
        delay = current_app.config["TYPING_TIMEOUT_SECONDS"]
        gevent.spawn_later(delay, _expire, key, generation, who, announce)
    else:
        _generations.pop(key, None)


def _expire(key: tuple[str, int], generation: int, who: dict, announce) -> None:
    if _generations.get(key) == generation:
        _generations.pop(key, None)
        announce(who, False)

"""Who, of the people holding a channel, may have one event.

Most events are for everyone on their channel. A comment is hidden from the people
blocked either way with its author; a private playlist's events are only for its owner
and collaborators, for good (a resume after the playlist went public replays none of
them to anyone else). The audience travels with the event: over Redis, into the event
log, and back out on every resume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Audience:
    """`hidden_from`: people not to have the event; `only_for`, when given: the only
    people who may."""

    hidden_from: frozenset[int] = frozenset()
    only_for: frozenset[int] | None = None

    def admits(self, user_id: int | None) -> bool:
        return user_id not in self.hidden_from and (
            self.only_for is None or user_id in self.only_for
        )

    def to_wire(self) -> dict[str, Any]:
        """The audience's fields in an event's Redis body ("h" and "o")."""
        return {
            "h": sorted(self.hidden_from),
            "o": None if self.only_for is None else sorted(self.only_for),
        }

    @classmethod
    def from_wire(cls, body: dict[str, Any]) -> Audience:
        only_for = body.get("o")
        return cls(frozenset(body.get("h", ())), None if only_for is None else frozenset(only_for))

    def to_columns(self) -> dict[str, str | None]:
        """The event log's `hidden_from` and `only_for` columns: ids apart by spaces."""
        return {
            "hidden_from": _text(self.hidden_from) if self.hidden_from else None,
            "only_for": None if self.only_for is None else _text(self.only_for),
        }

    @classmethod
    def from_columns(cls, hidden_from: str | None, only_for: str | None) -> Audience:
        return cls(
            _ids(hidden_from) if hidden_from else frozenset(),
            None if only_for is None else _ids(only_for),
        )


EVERYONE = Audience()


def _text(ids: frozenset[int]) -> str:
    return " ".join(map(str, sorted(ids)))


def _ids(text: str) -> frozenset[int]:
    return frozenset(map(int, text.split()))

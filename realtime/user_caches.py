"""Per-process caches of facts about a user that requests ask again and again (their
channels, whether a bearer token is in force), dropped by every control message about
that user.

Every change that can make such a fact false (a token revoked or expired, a ban, a
deletion) publishes a control message about the user (`bus.close_connections`,
`account_changed`), stored in the log with the change, so every worker applies it, from
the log after a Redis outage too; applying one forgets the user's entries in every cache
here, before the user's live connections are closed. A read that was under way while
anything was forgotten is not kept, so a fact read before a commit is never kept after the
control message of that commit. Entries also expire after the cache's `seconds`: a bound
for a change no control message names (an operator's hand in the database).
"""

from __future__ import annotations

import os
import time
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")

_caches: list[UserKeyedCache] = []


class UserKeyedCache(Generic[Key, Value]):
    """Values by key, each belonging to one user; at most `max_entries`, the oldest going
    first, each kept `seconds` at most."""

    def __init__(self, seconds: float, max_entries: int) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        # key -> (monotonic expiry, user id, value)
        self._entries: dict[Key, tuple[float, int, Value]] = {}
        self._keys_of: dict[int, set[Key]] = {}
        # Counts every forgetting: a read that saw it change meanwhile is not kept.
        self._forgotten = 0
        _caches.append(self)

    def get(self, key: Key) -> Value | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._drop(key)
            return None
        return entry[2]

    def reading(self) -> int:
        """Call before reading a value to keep: `keep` takes what this returned."""
        return self._forgotten

    def keep(self, key: Key, user_id: int, value: Value, read_at: int) -> bool:
        """Keep `value`, read after `reading()` returned `read_at`, unless anything was
        forgotten since (then False: the value may be stale)."""
        if read_at != self._forgotten:
            return False
        self._drop(key)
        if len(self._entries) >= self.max_entries:
            self._drop(next(iter(self._entries)))
        self._entries[key] = (time.monotonic() + self.seconds, user_id, value)
        self._keys_of.setdefault(user_id, set()).add(key)
        return True

    def replace(self, key: Key, value: Value) -> None:
        """Change a kept value in place, keeping its expiry (no-op if it is not kept)."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries[key] = (entry[0], entry[1], value)

    def forget_user(self, user_id: int) -> None:
        self._forgotten += 1
        for key in self._keys_of.pop(user_id, ()):
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._forgotten += 1
        self._entries.clear()
        self._keys_of.clear()

    def __contains__(self, key: Key) -> bool:
        return key in self._entries

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            keys = self._keys_of.get(entry[1])
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_of[entry[1]]


def forget_user(user_id: int) -> None:
    """A control message about the user was applied: forget what every cache keeps of them."""
    for cache in _caches:
        cache.forget_user(user_id)


def forget_all() -> None:
    """Another application (database) is served from now on, or this is a new process
    forked from one that kept entries (`gunicorn --preload`): it never heard the control
    messages since."""
    for cache in _caches:
        cache.clear()


os.register_at_fork(after_in_child=forget_all)

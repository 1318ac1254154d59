"""Which channels make up a user's stream.

Every user has a personal channel. Features (conversations,
parties, follows) register providers that add the channels a user belongs to, and
resume hooks that add current state to send right after a resume.

A user's channel set is kept per process between connections (a handshake and every
long-poll need it). Every change of whose stream holds which channel already reaches
every worker as a control message about that user (`bus.subscribe_user`,
`unsubscribe_user`, `close_connections`, `account_changed`): applying one drops the
user's entry here (`forget`), as it changes their live connections. A read that was
under way while anything was forgotten is not kept, so a set read before a commit is
never kept after the control message of that commit. Entries also expire after
`CACHE_SECONDS`, a bound for a change no control message names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from realtime.events import Envelope, user_channel

ChannelProvider = Callable[[int], Iterable[str]]
ResumeHook = Callable[[int, float | None], Iterable[Envelope]]
StateHook = Callable[[int], Iterable[Envelope]]

CACHE_SECONDS = 60.0
CACHE_MAX_USERS = 50_000

_providers: list[ChannelProvider] = []
_resume_hooks: list[ResumeHook] = []
_data_resume_hooks: list[StateHook] = []
# user id -> (monotonic expiry, channels)
_cache: dict[int, tuple[float, frozenset[str]]] = {}
# Counts every forgetting: a read that saw it change meanwhile is not kept.
_forgotten = 0


def provider(function: ChannelProvider) -> ChannelProvider:
    """Register a function giving more channels of a user."""
    _providers.append(function)
    return function


def resume_hook(function: ResumeHook) -> ResumeHook:
    """Register a function giving current-state events to send after a resume: all of
    them, or with a time, only the state that changed after it."""
    _resume_hooks.append(function)
    return function


def data_resume_hook(function: StateHook) -> StateHook:
    """Register a function giving all of a state to send after a resume on a connection
    that stays open and reads events as data (Socket.IO, JSON SSE). A page's stream
    redraws the same state as fragments of its own (`realtime.fragments.page_state`);
    a long-poll hears only what is published while it waits, and its client reads such
    state over HTTP."""
    _data_resume_hooks.append(function)
    return function


def channels_for(user_id: int) -> set[str]:
    """A user's own presence channel is not among them: it is for the people watching.
    The set is the caller's own (connections change theirs as control messages come)."""
    now = time.monotonic()
    kept = _cache.get(user_id)
    if kept is not None and kept[0] > now:
        return set(kept[1])
    # The providers' queries yield to other greenlets: a control message applied
    # meanwhile could not reach a connection not yet registered, so read again.
    for _attempt in range(3):
        forgotten = _forgotten
        channels = _read(user_id)
        if forgotten == _forgotten:
            _keep(user_id, now, channels)
            break
    return channels


def _read(user_id: int) -> set[str]:
    channels = {user_channel(user_id)}
    for extra in _providers:
        channels.update(extra(user_id))
    return channels


def _keep(user_id: int, now: float, channels: set[str]) -> None:
    _cache.pop(user_id, None)
    if len(_cache) >= CACHE_MAX_USERS:
        del _cache[next(iter(_cache))]  # the oldest entry
    _cache[user_id] = (now + CACHE_SECONDS, frozenset(channels))


def forget(user_id: int) -> None:
    """The user's channels changed (or may have): read them again next time."""
    global _forgotten
    _forgotten += 1
    _cache.pop(user_id, None)


def forget_all() -> None:
    """Another application (database) is served from now on."""
    global _forgotten
    _forgotten += 1
    _cache.clear()


def state_after_resume(
    user_id: int, changed_after: float | None = None, data_stream: bool = False
) -> list[Envelope]:
    """`data_stream`: the connection stays open and reads events as data."""
    events = [event for hook in _resume_hooks for event in hook(user_id, changed_after)]
    if data_stream:
        events.extend(event for hook in _data_resume_hooks for event in hook(user_id))
    return events

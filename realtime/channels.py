"""Which channels make up a user's stream.

Every user has a personal channel. Features (conversations,
parties, follows) register providers that add the channels a user belongs to, and
resume hooks that add current state to send right after a resume.

A user's channel set is kept per process between connections (a handshake and every
long-poll need it). Every change of whose stream holds which channel already reaches
every worker as a control message about that user (`bus.subscribe_user`,
`unsubscribe_user`, `close_connections`, `account_changed`): applying one drops the
user's entry here, as it changes their live connections (`realtime/user_caches.py`, the
same for every cache of facts about a user). A read that was under way while anything
was forgotten is not kept, so a set read before a commit is never kept after the control
message of that commit. Entries also expire after `CACHE_SECONDS`, a bound for a change
no control message names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from realtime.events import Envelope, user_channel
from realtime.user_caches import UserKeyedCache

ChannelProvider = Callable[[int], Iterable[str]]
ResumeHook = Callable[[int, float | None], Iterable[Envelope]]
StateHook = Callable[[int], Iterable[Envelope]]

CACHE_SECONDS = 60.0
CACHE_MAX_USERS = 50_000

_providers: list[ChannelProvider] = []
_resume_hooks: list[ResumeHook] = []
_data_resume_hooks: list[StateHook] = []
# Forgotten with everything else kept of the user (`user_caches.forget_user`).
_cache: UserKeyedCache[int, frozenset[str]] = UserKeyedCache(CACHE_SECONDS, CACHE_MAX_USERS)


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
    kept = _cache.get(user_id)
    if kept is not None:
        return set(kept)
    # The providers' queries yield to other greenlets: a control message applied
    # meanwhile could not reach a connection not yet registered, so read again.
    for _attempt in range(3):
        read_at = _cache.reading()
        channels = _read(user_id)
        if _cache.keep(user_id, user_id, frozenset(channels), read_at):
            break
    return channels


def _read(user_id: int) -> set[str]:
    channels = {user_channel(user_id)}
    for extra in _providers:
        channels.update(extra(user_id))
    return channels


def state_after_resume(
    user_id: int, changed_after: float | None = None, data_stream: bool = False
) -> list[Envelope]:
    """`data_stream`: the connection stays open and reads events as data."""
    events = [event for hook in _resume_hooks for event in hook(user_id, changed_after)]
    if data_stream:
        events.extend(event for hook in _data_resume_hooks for event in hook(user_id))
    return events

"""Which channels make up a user's stream.

Every user has a personal channel. Features (conversations,
parties, follows) register providers that add the channels a user belongs to, and
resume hooks that add current state to send right after a resume.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from realtime.events import Envelope, user_channel

ChannelProvider = Callable[[int], Iterable[str]]
ResumeHook = Callable[[int, float | None], Iterable[Envelope]]

_providers: list[ChannelProvider] = []
_resume_hooks: list[ResumeHook] = []


def provider(function: ChannelProvider) -> ChannelProvider:
    """Register a function giving more channels of a user."""
    _providers.append(function)
    return function


def resume_hook(function: ResumeHook) -> ResumeHook:
    """Register a function giving current-state events to send after a resume: all of
    them, or with a time, only the state that changed after it."""
    _resume_hooks.append(function)
    return function


def channels_for(user_id: int) -> set[str]:
    """A user's own presence channel is not among them: it is for the people watching."""
    channels = {user_channel(user_id)}
    for extra in _providers:
        channels.update(extra(user_id))
    return channels


def state_after_resume(user_id: int, changed_after: float | None = None) -> list[Envelope]:
    return [event for hook in _resume_hooks for event in hook(user_id, changed_after)]

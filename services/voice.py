"""Who may be heard: the site-wide half of the rule behind every write others read.

A moderator's site-wide mute silences a person everywhere: messages and their edits,
reactions, typing, new groups and rooms, party chat, party reactions and party typing,
and a new display name, bio or avatar.
Conversations add their own half (`conversation_access.can_write`: a mute there, a block in a
direct chat). Reading, leaving, deleting one's own words and stopping a typing
indicator stay allowed.
"""

from __future__ import annotations

from errors import Forbidden
from models.clock import as_utc
from models.user import User


def can_speak(actor: User) -> None:
    """Raise unless the person may write where others read (no site-wide mute).
    `actor` must be loaded for the request or event at hand, so a mute set a moment
    ago counts (socket handlers load the account per event)."""
    if actor.is_muted:
        until = as_utc(actor.muted_until).strftime("%d %b %Y, %H:%M UTC")
        raise Forbidden(f"You are muted on this site until {until}.", code="muted")

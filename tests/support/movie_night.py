"""The watch party the party unit tests share."""

from __future__ import annotations

from models.party import Party
from services import parties, party_membership


def movie_night(crew: dict, media_url: str) -> Party:
    """A party called "Movie night" of `media_url`, hosted by crew["hana"], with
    crew["cole"] in as a co-host and crew["vic"] in as a viewer."""
    created = parties.create(crew["hana"], {"title": "Movie night", "media_url": media_url})
    party_membership.enter(crew["cole"], created.id)
    party_membership.enter(crew["vic"], created.id)
    party_membership.set_role(crew["hana"], created.id, "cole", "co-host")
    return created

"""A party's card in the lists that show it (the parties page, a profile's parties), as
the viewer sees it: drawn with the page, and redrawn in place, live, when a public party
starts, ends or changes host (`party:listing`)."""

from __future__ import annotations

from errors import NotFound
from models.party import Party
from models.user import User
from realtime.events import Envelope
from realtime.fragments import fragment, render_fragment
from services import accounts, party_access, party_shapes

# The pages' sink for redrawn cards; each card finds its own place by id (out of band).
SWAP = "party-card"


def card(viewer: User, party: Party) -> dict:
    mine = party_access.participant_of(party.id, viewer.id)
    return {
        **party_shapes.to_dict(party, viewer),
        "joined": mine is not None and mine.status == "active",
    }


@fragment(party_shapes.LISTING)
def _listed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """The card as it is now ("Live", "Ended", its host), where a page shows it; only a
    public party's, which the lists show (an event naming another renders nothing)."""
    viewer = accounts.find_by_id(viewer_id)
    if viewer is None:
        return []
    try:
        party = party_access.visible(viewer, envelope.data["party_id"]).party
    except NotFound:
        return []
    if party.visibility != "public":
        return []
    return [(SWAP, render_fragment("parties/_card.html", p=card(viewer, party)))]

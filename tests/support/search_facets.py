"""A search answer's facets: a count for every kind of result, written once."""

from __future__ import annotations

KINDS = ("person", "room", "party", "message", "post", "comment", "playlist", "clip")


def every_facet(**counts: int) -> dict[str, int]:
    """The facets of a search over every kind: the `counts` given, 0 for each other kind."""
    unknown = set(counts) - set(KINDS)
    assert not unknown, f"not a kind of result: {sorted(unknown)}"
    return {kind: counts.get(kind, 0) for kind in KINDS}

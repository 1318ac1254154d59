"""One writer at a time under a row: taken before counting what a limit bounds (a
party's participants, a room's members), so that two joins at the same moment cannot
both count one place left.

A claim is a no-op update of the row, held until the commit. PostgreSQL locks the row
for it; SQLite begins its write transaction with it (its reads take no lock, so a
`SELECT ... FOR UPDATE` would not do), and there is one writer at a time. Either way a
second claimant waits, and counts what the first committed.
"""

from __future__ import annotations

from sqlalchemy import update

from extensions import db


def claim(model: type, row_id: int) -> None:
    """Hold `model`'s row `row_id` until the caller's transaction ends."""
    db.session.execute(update(model).where(model.id == row_id).values(id=model.id))

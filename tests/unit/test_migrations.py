"""The committed migrations produce exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import flask_migrate as migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from extensions import db
from models.search_schema import include_name
from models.stream import StreamEvent
from models.user import Role
from services import announcements, conversations, playlist_items, playlists

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"render_as_batch": True, "include_name": include_name}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_stored_events_from_before_their_subjects_are_given_them(app, user_factory):
    """Events stored before a room's listing, a playlist, its items and announcements had
    subjects get them on upgrade, so that a later change can rewrite them too."""
    ann = user_factory("ann", role=Role.ADMIN)
    room = conversations.create_room(ann, "Loquats")
    playlist = playlists.create(ann, "Mix", visibility="public")
    playlists.edit(ann, playlist.id, {"title": "Mix two"})
    item = playlist_items.add(ann, playlist.id, VIDEO, "One")
    posted = announcements.post(ann, "Hello")
    expected = {
        ("directory:room", f"conversation:{room.id}"),
        ("playlist:updated", f"playlist:{playlist.id}"),
        ("playlist:item_added", f"playlist_item:{item['item']['id']}"),
        ("announcement:posted", f"announcement:{posted.id}"),
    }
    db.session.commit()
    folder = str(Path(__file__).resolve().parents[2] / "migrations")
    migrate.downgrade(directory=folder, revision="c9e1a3b5d7f0")
    assert {subject for _name, subject in subjects(expected)} == {None}
    migrate.upgrade(directory=folder)
    assert set(subjects(expected)) == expected


def subjects(expected: set[tuple[str, str]]) -> list[tuple[str, str | None]]:
    names = [name for name, _subject in expected]
    rows = db.session.execute(
        select(StreamEvent.name, StreamEvent.subject).where(StreamEvent.name.in_(names))
    )
    return [tuple(row) for row in rows]

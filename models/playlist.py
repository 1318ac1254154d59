"""Playlists: lists of videos people keep and build together, their items, the people
who build them with the owner, and those who follow them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.columns import key_to, moment_column, person_key
from models.user import User


class Playlist(db.Model):
    """`version` counts every change (its order above all): a move names the version its
    client saw, so a stale one is refused instead of reordering what it never saw.
    `share_token` opens an unlisted playlist to whoever has its link."""

    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="", server_default="")
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    share_token: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = moment_column()
    updated_at: Mapped[datetime] = moment_column()

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])


class PlaylistItem(db.Model):
    """One video in a playlist; `position` is its place, from 0, dense and unique within
    the playlist (kept so by the services, which change the order under the playlist's
    version)."""

    __tablename__ = "playlist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True
    )
    video_url: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    start_seconds: Mapped[int | None] = mapped_column(Integer)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = moment_column()

    adder: Mapped[User | None] = relationship(foreign_keys=[added_by])


class PlaylistCollaborator(db.Model):
    """Someone the owner invited: they add, remove and move items."""

    __tablename__ = "playlist_collaborators"

    playlist_id: Mapped[int] = key_to("playlists")
    user_id: Mapped[int] = person_key(index=True)
    created_at: Mapped[datetime] = moment_column()


class PlaylistFollow(db.Model):
    """Someone following a public playlist: its changes reach their stream while it is
    public."""

    __tablename__ = "playlist_follows"

    playlist_id: Mapped[int] = key_to("playlists")
    user_id: Mapped[int] = person_key(index=True)
    created_at: Mapped[datetime] = moment_column()

"""What search finds besides people, rooms and messages: posts, playlists and clips, each
with its permission rule in SQL beside the match (the rules of `posts.may_see`,
`playlists.visible_playlist` and `clips.visible_clip`, written as conditions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import Select, and_, or_, select

from models.clip import Clip
from models.playlist import Playlist, PlaylistCollaborator
from models.post import Post
from models.user import User
from services import feed
from services.relations import unblocked
from services.search_engines import Match, marked, plain


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    snippet_html: Markup
    created_at: datetime
    conversation_id: int | None = None
    username: str | None = None
    code: str | None = None


def posts(viewer: User, found: Match | None, counting: bool) -> Select:
    quoted = found.snippet if found is not None else Post.text
    columns = [Post.id] if counting else [Post.id, Post.created_at, User.username, quoted]
    return (
        select(*columns)
        .select_from(Post)
        .join(User, User.id == Post.author_id)
        .where(
            Post.deleted_at.is_(None),
            Post.removed_at.is_(None),
            feed.visible_filter(viewer.id),
        )
    )


def playlists(viewer: User, found: Match | None, counting: bool) -> Select:
    columns = (
        [Playlist.id]
        if counting
        else [Playlist.id, Playlist.created_at, Playlist.title, User.username, found.snippet]
    )
    helping = select(PlaylistCollaborator.playlist_id).where(
        PlaylistCollaborator.user_id == viewer.id
    )
    return (
        select(*columns)
        .select_from(Playlist)
        .join(User, User.id == Playlist.owner_id)
        .where(
            or_(
                Playlist.owner_id == viewer.id,
                Playlist.id.in_(helping),
                and_(Playlist.visibility == "public", unblocked(Playlist.owner_id, viewer.id)),
            ),
            User.deleted_at.is_(None),
        )
    )


def clips(viewer: User, found: Match | None, counting: bool) -> Select:
    columns = (
        [Clip.id]
        if counting
        else [Clip.id, Clip.created_at, Clip.title, Clip.code, User.username, found.snippet]
    )
    return (
        select(*columns)
        .select_from(Clip)
        .join(User, User.id == Clip.owner_id)
        .where(
            Clip.deleted_at.is_(None),
            Clip.removed_at.is_(None),
            User.deleted_at.is_(None),
            or_(Clip.owner_id == viewer.id, unblocked(Clip.owner_id, viewer.id)),
        )
    )


def post_hit(row, matched: bool) -> Hit:
    post_id, created_at, username, text = row
    snippet = marked(text) if matched else plain(text or "")
    return Hit("post", post_id, f"A post by @{username}", snippet, created_at, username=username)


def playlist_hit(row, _matched: bool) -> Hit:
    playlist_id, created_at, title, username, snippet = row
    shown = f"{title}, a playlist by @{username}"
    return Hit("playlist", playlist_id, shown, marked(snippet), created_at, username=username)


def clip_hit(row, _matched: bool) -> Hit:
    clip_id, created_at, title, code, username, snippet = row
    shown = f"{title}, a clip by @{username}"
    return Hit("clip", clip_id, shown, marked(snippet), created_at, username=username, code=code)

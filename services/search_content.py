"""What search finds besides people, rooms and messages: posts, comments, playlists, clips
and parties, each with its permission rule in SQL beside the match (the rules of
`posts.may_see`, `comment_listing`, `playlists.visible_playlist`, `clips.visible_clip` and
the party lists of `home`, written as conditions)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from models.clip import Clip
from models.comment import PostComment
from models.party import Participant, ParticipantStatus, Party
from models.playlist import Playlist, PlaylistCollaborator
from models.post import Post
from models.social import Follow
from models.user import User
from services import feed
from services.relations import unblocked
from services.search_engines import Match


def posts(viewer_id: ColumnElement[int], found: Match | None, counting: bool) -> Select:
    if counting:
        columns = [Post.id]
    else:
        quoted = found.snippet if found is not None else Post.text
        columns = [Post.id, Post.created_at, User.username, quoted]
    return (
        select(*columns)
        .select_from(Post)
        .join(User, User.id == Post.author_id)
        .where(
            Post.deleted_at.is_(None),
            Post.removed_at.is_(None),
            feed.visible_filter(viewer_id),
        )
    )


def comments(viewer_id: ColumnElement[int], found: Match, counting: bool) -> Select:
    """Standing comments on posts the viewer may see, by nobody blocked either way, and
    no reply under a comment by someone blocked (the post page leaves both out)."""
    author, parent = aliased(User), aliased(PostComment)
    columns = (
        [PostComment.id]
        if counting
        else [
            PostComment.id,
            PostComment.created_at,
            PostComment.post_id,
            func.coalesce(PostComment.parent_id, PostComment.id),
            author.username,
            User.username,
            found.snippet,
        ]
    )
    return (
        select(*columns)
        .select_from(PostComment)
        .join(Post, Post.id == PostComment.post_id)
        .join(User, User.id == Post.author_id)
        .join(author, author.id == PostComment.author_id)
        .outerjoin(parent, parent.id == PostComment.parent_id)
        .where(
            PostComment.deleted_at.is_(None),
            PostComment.removed_at.is_(None),
            Post.deleted_at.is_(None),
            Post.removed_at.is_(None),
            feed.visible_filter(viewer_id),
            author.deleted_at.is_(None),
            unblocked(PostComment.author_id, viewer_id),
            or_(parent.id.is_(None), unblocked(parent.author_id, viewer_id)),
        )
    )


def parties(viewer_id: ColumnElement[int], found: Match, counting: bool) -> Select:
    """One's own parties and those one is or was in (or asked to join); public ones and a
    friend's friends-only ones; none of a host blocked either way."""
    columns = (
        [Party.id]
        if counting
        else [Party.id, Party.created_at, Party.title, Party.status, User.username, found.snippet]
    )
    mine = select(Participant.party_id).where(
        Participant.user_id == viewer_id,
        Participant.status.in_(
            (ParticipantStatus.ACTIVE, ParticipantStatus.LEFT, ParticipantStatus.PENDING)
        ),
    )
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer_id)
    followers = select(Follow.follower_id).where(Follow.followee_id == viewer_id)
    seen = or_(
        Party.visibility == "public",
        and_(
            Party.visibility == "friends",
            Party.host_id.in_(followed),
            Party.host_id.in_(followers),
        ),
        Party.id.in_(mine),
    )
    return (
        select(*columns)
        .select_from(Party)
        .join(User, User.id == Party.host_id)
        .where(
            User.deleted_at.is_(None),
            or_(Party.host_id == viewer_id, and_(seen, unblocked(Party.host_id, viewer_id))),
        )
    )


def playlists(viewer_id: ColumnElement[int], found: Match | None, counting: bool) -> Select:
    columns = (
        [Playlist.id]
        if counting
        else [Playlist.id, Playlist.created_at, Playlist.title, User.username, found.snippet]
    )
    helping = select(PlaylistCollaborator.playlist_id).where(
        PlaylistCollaborator.user_id == viewer_id
    )
    return (
        select(*columns)
        .select_from(Playlist)
        .join(User, User.id == Playlist.owner_id)
        .where(
            or_(
                Playlist.owner_id == viewer_id,
                Playlist.id.in_(helping),
                and_(Playlist.visibility == "public", unblocked(Playlist.owner_id, viewer_id)),
            ),
            User.deleted_at.is_(None),
        )
    )


def clips(viewer_id: ColumnElement[int], found: Match | None, counting: bool) -> Select:
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
            or_(Clip.owner_id == viewer_id, unblocked(Clip.owner_id, viewer_id)),
        )
    )

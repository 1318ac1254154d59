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


def _shown(
    counting: bool,
    found: Match | None,
    key: ColumnElement,
    *hit: ColumnElement,
    unmatched: ColumnElement | None = None,
) -> list[ColumnElement]:
    """What a query reads: the row's `key` alone when it only counts (the snippet is not
    built then), else the key, what a hit shows and last its snippet (`unmatched` with no
    match: a listing rather than a search)."""
    if counting:
        return [key]
    return [key, *hit, found.snippet if found is not None else unmatched]


def _with_owner(
    kind: type, owner_id: ColumnElement[int], columns: list[ColumnElement], *rules: object
) -> Select:
    """`columns` of the rows of `kind` that meet `rules`, with their owner's account
    (`User`) joined."""
    return select(*columns).select_from(kind).join(User, User.id == owner_id).where(*rules)


def _standing(kind: type) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Neither deleted by its owner nor taken down by a moderator."""
    return kind.deleted_at.is_(None), kind.removed_at.is_(None)


def posts(viewer_id: ColumnElement[int], found: Match | None, counting: bool) -> Select:
    shown = (Post.created_at, User.username)
    columns = _shown(counting, found, Post.id, *shown, unmatched=Post.text)
    return _with_owner(
        Post, Post.author_id, columns, *_standing(Post), feed.visible_filter(viewer_id)
    )


def comments(viewer_id: ColumnElement[int], found: Match, counting: bool) -> Select:
    """Standing comments on posts the viewer may see, by nobody blocked either way, and
    no reply under a comment by someone blocked (the post page leaves both out)."""
    author, parent = aliased(User), aliased(PostComment)
    columns = _shown(
        counting,
        found,
        PostComment.id,
        PostComment.created_at,
        PostComment.post_id,
        func.coalesce(PostComment.parent_id, PostComment.id),
        author.username,
        User.username,
    )
    return (
        select(*columns)
        .select_from(PostComment)
        .join(Post, Post.id == PostComment.post_id)
        .join(User, User.id == Post.author_id)
        .join(author, author.id == PostComment.author_id)
        .outerjoin(parent, parent.id == PostComment.parent_id)
        .where(
            *_standing(PostComment),
            *_standing(Post),
            feed.visible_filter(viewer_id),
            author.deleted_at.is_(None),
            unblocked(PostComment.author_id, viewer_id),
            or_(parent.id.is_(None), unblocked(parent.author_id, viewer_id)),
        )
    )


def parties(viewer_id: ColumnElement[int], found: Match, counting: bool) -> Select:
    """One's own parties and those one is or was in (or asked to join); public ones and a
    friend's friends-only ones; none of a host blocked either way."""
    shown = (Party.created_at, Party.title, Party.status, User.username)
    columns = _shown(counting, found, Party.id, *shown)
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
            Party.visibility == "friends", Party.host_id.in_(followed), Party.host_id.in_(followers)
        ),
        Party.id.in_(mine),
    )
    mine_or_seen = or_(Party.host_id == viewer_id, and_(seen, unblocked(Party.host_id, viewer_id)))
    return _with_owner(Party, Party.host_id, columns, User.deleted_at.is_(None), mine_or_seen)


def playlists(viewer_id: ColumnElement[int], found: Match | None, counting: bool) -> Select:
    shown = (Playlist.created_at, Playlist.title, User.username)
    columns = _shown(counting, found, Playlist.id, *shown)
    helping = select(PlaylistCollaborator.playlist_id).where(
        PlaylistCollaborator.user_id == viewer_id
    )
    seen = or_(
        Playlist.owner_id == viewer_id,
        Playlist.id.in_(helping),
        and_(Playlist.visibility == "public", unblocked(Playlist.owner_id, viewer_id)),
    )
    return _with_owner(Playlist, Playlist.owner_id, columns, seen, User.deleted_at.is_(None))


def clips(viewer_id: ColumnElement[int], found: Match | None, counting: bool) -> Select:
    shown = (Clip.created_at, Clip.title, Clip.code, User.username)
    columns = _shown(counting, found, Clip.id, *shown)
    seen = or_(Clip.owner_id == viewer_id, unblocked(Clip.owner_id, viewer_id))
    return _with_owner(
        Clip, Clip.owner_id, columns, *_standing(Clip), User.deleted_at.is_(None), seen
    )

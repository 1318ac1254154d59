"""What people can report besides messages, people, parties, rooms and groups: posts,
their comments, playlists and clips. Each kind says, once, how a report of it is checked
(the reporter must be able to see it: NotFound otherwise, as for an id nobody has),
described, traced to whoever answers for it, shown to the staff, and taken down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from extensions import db
from models.clip import Clip
from models.comment import PostComment
from models.playlist import Playlist
from models.post import Post
from models.user import User
from services import clips, comments, playlists, posts


@dataclass(frozen=True)
class Reportable:
    label: str  # "a post": what the queue and the reporter's list call it
    model: type
    # Raises NotFound unless the reporter sees it (with the link's token, if it has one).
    see: Callable[[User, int, object], object]
    take_down: Callable[[User, int, str], None]
    owner_of: Callable[[object], int]  # the row's person who answers for it
    title_of: Callable[[object], str]  # a few words the staff and the reporter see
    url_of: Callable[[object], str | None] = lambda _row: None  # its page, if it has one

    def row(self, subject_id: int):
        return db.session.get(self.model, subject_id)

    def answerable(self, subject_id: int) -> User | None:
        found = self.row(subject_id)
        return db.session.get(User, self.owner_of(found)) if found is not None else None

    def describe(self, subject_id: int) -> str:
        """What the report form says is reported (the reporter can see it)."""
        who = self.answerable(subject_id)
        title = self.title_of(self.row(subject_id))
        return f"{self.label} by @{who.username}: “{title}”"

    def staff_view(self, kind: str, subject_id: int) -> dict:
        """The subject as the report queue shows it."""
        found = self.row(subject_id)
        if found is None:
            return {"kind": kind, "missing": True}
        owner = db.session.get(User, self.owner_of(found))
        return {
            "kind": kind,
            "id": subject_id,
            "title": self.title_of(found),
            "url": self.url_of(found),
            "content": True,
            "removed": getattr(found, "gone", False),
            "author": owner.to_summary() if owner else None,
        }


def _seen_by_id(see: Callable[[User, int], object]) -> Callable[[User, int, object], object]:
    """For what is shown by its id alone: a link's token opens nothing more."""
    return lambda viewer, subject_id, _token: see(viewer, subject_id)


def _playlist_url(playlist: Playlist) -> str:
    """Its page, by the link that opens it when it is unlisted."""
    unlisted = playlist.visibility == "unlisted" and playlist.share_token
    return f"/playlists/{playlist.id}" + (f"?token={playlist.share_token}" if unlisted else "")


def _excerpt(text: str) -> str:
    return text if len(text) <= 140 else text[:139] + "…"


REPORTABLE: dict[str, Reportable] = {
    "post": Reportable(
        label="a post",
        model=Post,
        see=_seen_by_id(posts.visible_post),
        take_down=posts.remove,
        owner_of=lambda post: post.author_id,
        title_of=lambda post: _excerpt(post.text or post.video_url or ""),
        url_of=lambda post: f"/posts/{post.id}",
    ),
    "comment": Reportable(
        label="a comment",
        model=PostComment,
        see=_seen_by_id(comments.visible_comment),
        take_down=comments.remove,
        owner_of=lambda comment: comment.author_id,
        title_of=lambda comment: _excerpt(comment.text),
        url_of=lambda comment: f"/posts/{comment.post_id}#comment-{comment.id}",
    ),
    "playlist": Reportable(
        label="a playlist",
        model=Playlist,
        see=playlists.visible_playlist,
        take_down=playlists.remove,
        owner_of=lambda playlist: playlist.owner_id,
        title_of=lambda playlist: playlist.title,
        url_of=_playlist_url,
    ),
    "clip": Reportable(
        label="a clip",
        model=Clip,
        see=_seen_by_id(clips.visible_clip_id),
        take_down=clips.remove,
        owner_of=lambda clip: clip.owner_id,
        title_of=lambda clip: clip.title,
        url_of=lambda clip: f"/c/{clip.code}",
    ),
}

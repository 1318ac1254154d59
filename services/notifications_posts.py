"""Notifications about posts and comments, in the unit of work of the change that causes
them: a like of one's post, a comment on it, a reply to one's comment, and an @mention in
a post or a comment.

Nobody is told of their own doing, and `notifications.notify` drops what comes from
someone blocked either way. A mention tells only people who may see the post
(`posts.may_see`, handed in as `may_see`: this module sits below services/posts.py,
which calls it), once each: whoever a comment already told as the post's author or as
the author of the comment it answers is not told again. A notification quotes the text
that caused it; the quote goes when that text is deleted or taken down
(services/comments.py), and follows an edit of a post.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy import select

from extensions import db
from models.comment import PostComment
from models.post import Post
from models.user import User
from services import notifications
from services.messages import MENTION, mention_text
from services.relations import is_blocked_between

MaySee = Callable[[User, Post], bool]


def post_liked(actor: User, post: Post) -> None:
    """Tell the author (repeats collapse per post: "ann and 2 others liked your post")."""
    if actor.id != post.author_id:
        notifications.notify(
            post.author_id, notifications.POST_LIKED, actor=actor, subject=_post_subject(post)
        )


def post_written(actor: User, post: Post, may_see: MaySee, before: str | None = None) -> None:
    """A new post (`before` None) or an edited one: tell whoever it mentions now and did
    not mention `before`; an edit also changes the quote of the notifications about it."""
    if before is not None:
        readers = _readers(lambda person: may_see(person, post))
        notifications.retext(f"post:{post.id}", mention_text(post.text), readers)
    _mention(actor, post, may_see, post.text, _post_subject(post), _mentioned(before or ""))


def commented(
    actor: User, post: Post, comment: PostComment, parent: PostComment | None, may_see: MaySee
) -> None:
    """Tell the author of the comment answered, the post's author, and who is mentioned."""
    subject = _comment_subject(comment)
    told = {actor.id}
    if parent is not None and parent.author_id not in told and may_see(parent.author, post):
        notifications.notify(
            parent.author_id, notifications.COMMENT_REPLIED, actor=actor, subject=subject
        )
        told.add(parent.author_id)
    if post.author_id not in told:
        notifications.notify(
            post.author_id, notifications.POST_COMMENTED, actor=actor, subject=subject
        )
        told.add(post.author_id)
    _mention(actor, post, may_see, comment.text, subject, _usernames(told))


def comment_edited(
    actor: User, post: Post, comment: PostComment, before: str, may_see: MaySee
) -> None:
    """The quote follows the edit; people it mentions now and did not before are told."""
    readers = _readers(
        lambda person: (
            may_see(person, post) and not is_blocked_between(person.id, comment.author_id)
        )
    )
    notifications.retext(f"comment:{comment.id}", mention_text(comment.text), readers)
    subject = _comment_subject(comment)
    _mention(actor, post, may_see, comment.text, subject, _mentioned(before))


def _readers(sees: Callable[[User], bool]) -> Callable[[int], bool]:
    """`sees` for a person named by id (one whose account is gone sees nothing)."""

    def by_id(user_id: int) -> bool:
        person = db.session.get(User, user_id)
        return person is not None and sees(person)

    return by_id


def _post_subject(post: Post) -> dict:
    return {"type": "post", "id": post.id, "text": mention_text(post.text)}


def _comment_subject(comment: PostComment) -> dict:
    return {
        "type": "comment",
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "text": mention_text(comment.text),
    }


def _mentioned(text: str) -> set[str]:
    return {name.lower() for name in MENTION.findall(text)}


def _usernames(ids: Collection[int]) -> set[str]:
    return set(db.session.scalars(select(User.username).where(User.id.in_(ids))))


def _mention(
    actor: User, post: Post, may_see: MaySee, text: str, subject: dict, skip: set[str]
) -> None:
    names = _mentioned(text) - skip - {actor.username}
    if not names:
        return
    people = db.session.scalars(
        select(User).where(User.username.in_(names), User.deleted_at.is_(None))
    )
    for person in people:
        if may_see(person, post):
            notifications.notify(person.id, notifications.MENTION, actor=actor, subject=subject)

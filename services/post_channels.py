"""Whose stream holds whose posts.

Each author has one channel per audience (`posts:<author>:public`, `:followers`,
`:friends`), and a post is announced on the one of its audience only. The author's
stream holds all three; a follower's the public and followers channels of everyone they
follow; a friend's (a mutual follow) the friends channel too. A block ends follows both
ways, so a blocked person holds none of the other's channels. Follows, unfollows and
blocks change the sets of live connections through the bus's control messages, in the
unit of work of the change (services/social.py calls the functions below).
"""

from __future__ import annotations

from sqlalchemy import bindparam, or_, select

from extensions import db
from models.driver_statements import DriverStatement
from models.post import AUDIENCES
from models.social import Follow
from realtime.bus import bus
from realtime.channels import provider
from realtime.events import posts_channel
from services.relations import is_following

FOLLOWER_AUDIENCES = ("public", "followers")


# Built once, run on the driver's cursor (models/driver_statements.py): every first
# handshake of a user asks it. The user's follows both ways, in one read.
_FOLLOWS_OF = DriverStatement(
    select(Follow.follower_id, Follow.followee_id).where(
        or_(Follow.follower_id == bindparam("user_id"), Follow.followee_id == bindparam("user_id"))
    )
)


@provider
def _posts_in_stream(user_id: int) -> list[str]:
    followed_ids, follower_ids = set(), set()
    for follower, followee in _FOLLOWS_OF.rows(db.session.connection(), {"user_id": user_id}):
        if follower == user_id:
            followed_ids.add(followee)
        if followee == user_id:
            follower_ids.add(follower)
    friend_ids = followed_ids & follower_ids
    channels = [posts_channel(user_id, audience) for audience in AUDIENCES]
    channels += [
        posts_channel(a, audience) for a in followed_ids for audience in FOLLOWER_AUDIENCES
    ]
    channels += [posts_channel(friend, "friends") for friend in friend_ids]
    return channels


def followed(follower_id: int, followee_id: int) -> None:
    """A new follow: the follower hears the followee's posts for followers; if the
    follow is mutual now, each hears the other's posts for friends."""
    for audience in FOLLOWER_AUDIENCES:
        bus.subscribe_user(follower_id, posts_channel(followee_id, audience))
    if is_following(followee_id, follower_id):
        bus.subscribe_user(follower_id, posts_channel(followee_id, "friends"))
        bus.subscribe_user(followee_id, posts_channel(follower_id, "friends"))


def unfollowed(follower_id: int, followee_id: int, blocked: bool = False) -> None:
    """The follow ended: the former follower hears none of the other's posts in their
    stream, and neither is the other's friend any more. A page open on a public post
    still hears it, as it still shows it; not across a block."""
    for audience in AUDIENCES:
        public = audience == "public" and not blocked
        bus.unsubscribe_user(follower_id, posts_channel(followee_id, audience), keep_pages=public)
    bus.unsubscribe_user(followee_id, posts_channel(follower_id, "friends"))


def blocked(a: int, b: int) -> None:
    """A block ends the follows both ways: neither hears the other's posts, on any page."""
    unfollowed(a, b, blocked=True)
    unfollowed(b, a, blocked=True)

"""The live fragments of posts (see realtime/fragments.py): the feed's "new posts" bar and,
on every open card, the like count, the edited text and the deleted notice; and, at a
block, the other's posts and comments taken off the page.

Post events travel only on the channel of their author and audience
(services/post_channels.py), so a stream hears only of posts its viewer may see; the
fragments are drawn from the event's own payload, and the bar counts with the feed's
own rule for this viewer (services/feed.py `newer_count`).
"""

from __future__ import annotations

from flask import request

from realtime.events import PRESENCE_HIDDEN, Envelope
from realtime.fragments import fragment, render_fragment
from services import accounts, clips, feed, posts

# A feed page's stream carries the newest post it shows (`feed_after`): the bar counts
# the posts of others after it.
FEED_AFTER = "feed_after"
CHANGE = "post-change"  # every card's live changes, swapped out of band by element id


def _new_posts_bar(viewer_id: int) -> list[tuple[str, str]]:
    raw = request.args.get(FEED_AFTER, "")
    viewer = accounts.find_by_id(viewer_id) if raw.isdecimal() and len(raw) <= 12 else None
    if viewer is None:
        return []
    count = feed.newer_count(viewer, int(raw))
    return [("feed-new", render_fragment("posts/_new_bar.html", count=count))]


@fragment(posts.CREATED)
def _created(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Someone else's new post is not slid under the reader's eyes: the feed says how
    many wait, and shows them when asked (a reload)."""
    if envelope.data["author"]["id"] == viewer_id:
        return []
    return _new_posts_bar(viewer_id)


@fragment(posts.LIKED)
def _liked(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    data = envelope.data
    html = render_fragment(
        "posts/_likes_count.html", post_id=data["post_id"], likes=data["likes"], oob=True
    )
    return [(CHANGE, html)]


@fragment(posts.UPDATED)
def _updated(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    shown = {**envelope.data, "clips": clips.linked(viewer_id, envelope.data["text"])}
    return [(CHANGE, render_fragment("posts/_content.html", p=shown, oob=True))]


@fragment(posts.DELETED)
def _deleted(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    post_id = envelope.data["post_id"]
    gone = render_fragment("posts/_deleted.html", post_id=post_id, oob=True)
    return [(CHANGE, gone), *_new_posts_bar(viewer_id)]


@fragment(PRESENCE_HIDDEN)
def _blocked(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    """A block, either way: the other's posts and comments leave the viewer's open pages,
    as they are left out of any page drawn now."""
    person_id = int(envelope.data["user_id"])
    return [(CHANGE, render_fragment("posts/_blocked_gone.html", person_id=person_id))]

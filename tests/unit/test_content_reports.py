"""Reports of posts, playlists and clips: only what the reporter can see may be reported
(404 otherwise, as for an id nobody has), the report names who answers for it, the queue
shows it, and "remove" takes it down for everyone, logged."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from errors import NotFound
from extensions import db
from models.moderation import AuditEntry
from models.user import Role
from services import (
    clips,
    comments,
    moderation_reports,
    moderation_views,
    playlist_views,
    playlists,
    posts,
    social,
)

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def people(user_factory):
    return {
        "mod": user_factory("moe", role=Role.MODERATOR),
        "ann": user_factory("ann"),
        "ben": user_factory("ben"),
        "cat": user_factory("cat"),
    }


def made(kind: str, ann, visibility: str = "public") -> int:
    """ann's post, playlist or clip, open to everyone unless `visibility` says otherwise."""
    if kind == "post":
        return posts.create(ann, "buy my pills", audience=visibility)["id"]
    if kind == "playlist":
        return playlists.create(ann, "Pills playlist", "", visibility).id
    if kind == "comment":
        post_id = posts.create(ann, "a post", audience=visibility)["id"]
        return comments.create(ann, post_id, "buy my pills")["id"]
    return clips.create(ann, {"title": "Pills clip", "video_url": VIDEO, "start": 0, "end": 9}).id


def gone(kind: str, viewer, subject_id: int) -> bool:
    try:
        if kind == "post":
            posts.visible_post(viewer, subject_id)
        elif kind == "comment":
            comments.visible_comment(viewer, subject_id)
        elif kind == "playlist":
            playlist_views.detail(viewer, subject_id)
        else:
            clips.visible_clip_id(viewer, subject_id)
    except NotFound:
        return True
    return False


@pytest.mark.parametrize("kind", ["post", "comment", "playlist", "clip"])
def test_a_report_of_content_is_decided_by_taking_it_down(people, kind):
    ann, ben, mod = people["ann"], people["ben"], people["mod"]
    subject_id = made(kind, ann)
    about = moderation_reports.describe_subject(ben, kind, subject_id)
    assert about.startswith(f"a {kind} by @ann: “")
    report = moderation_reports.report(ben, kind, subject_id, "spam")
    assert report.responsible_id == ann.id

    [view] = moderation_views.report_views(moderation_reports.reports(mod))
    assert view["subject_label"] == f"a {kind}"
    assert view["subject"]["author"]["username"] == "ann"
    assert "Pills" in view["subject"]["title"] or "pills" in view["subject"]["title"]

    moderation_reports.resolve(mod, report.id, "remove", "spam")
    assert gone(kind, ann, subject_id)
    assert gone(kind, ben, subject_id)
    action = f"remove_{kind}"
    count = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    assert db.session.scalar(count) == 1


@pytest.mark.parametrize(
    ("kind", "visibility"),
    [("post", "friends"), ("comment", "friends"), ("playlist", "private"), ("clip", None)],
)
def test_what_the_reporter_cannot_see_cannot_be_reported(people, kind, visibility):
    ann, cat = people["ann"], people["cat"]
    subject_id = made(kind, ann, visibility) if visibility else made(kind, ann)
    if visibility is None:  # a clip is everyone's but across a block
        social.block(ann, "cat")
    with pytest.raises(NotFound):
        moderation_reports.report(cat, kind, subject_id, "spam")
    with pytest.raises(NotFound):
        moderation_reports.describe_subject(cat, kind, subject_id)
    with pytest.raises(NotFound):
        moderation_reports.report(cat, kind, 987_654, "spam")
    assert moderation_reports.reports(people["mod"]) == []


def test_a_warning_about_a_clip_reaches_its_maker(people):
    ann, ben, mod = people["ann"], people["ben"], people["mod"]
    report = moderation_reports.report(ben, "clip", made("clip", ann), "spam")
    moderation_reports.resolve(mod, report.id, "warn", "No ads, please.")
    assert not gone("clip", ben, report.subject_id)  # a warning leaves it up
    assert moderation_reports.reports(mod, "resolved")[0].action == "warn"


def test_an_unlisted_playlist_is_reported_by_its_link(people):
    """Whoever has an unlisted playlist's link sees it, so may report it; the link goes
    with the report to the moderators, who open it the same way."""
    ann, ben, mod = people["ann"], people["ben"], people["mod"]
    playlist = playlists.create(ann, "Pills playlist", "", "unlisted")
    token = playlist.share_token
    for wrong in (None, "not-the-link", token + "x"):
        with pytest.raises(NotFound):
            moderation_reports.report(ben, "playlist", playlist.id, "spam", token=wrong)
    about = moderation_reports.describe_subject(ben, "playlist", playlist.id, token)
    assert about == "a playlist by @ann: “Pills playlist”"
    moderation_reports.report(ben, "playlist", playlist.id, "spam", token=token)
    [view] = moderation_views.report_views(moderation_reports.reports(mod))
    assert view["subject"]["url"] == f"/playlists/{playlist.id}?token={token}"
    playlists.edit(ann, playlist.id, {"visibility": "private"})  # the link opens nothing now
    with pytest.raises(NotFound):
        moderation_reports.report(ben, "playlist", playlist.id, "spam", token=token)

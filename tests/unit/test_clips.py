"""Clips: their range rules, who may open, change and delete one, views counted once a
person, and "the last 30 seconds" of a party where the server says playback is."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clip import Clip
from models.moderation import AuditEntry
from models.user import Role
from services import clips, moderation, parties, party_membership, playback, social

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def people(user_factory):
    return {name: user_factory(name) for name in ("ann", "ben", "cat")}


def made(person, start: object = 10, end: object = 40, **extra) -> Clip:
    fields = {"title": "The goal", "video_url": VIDEO, "start": start, "end": end, **extra}
    return clips.create(person, fields)


def test_a_clip_keeps_its_range_title_and_link(people):
    clip = made(people["ann"], "1:05", "1:35.5")
    shown = clips.to_dict(clips.visible_clip(people["ben"], clip.code))
    assert (shown["start"], shown["end"]) == (65.0, 95.5)
    assert (shown["title"], shown["video_url"]) == ("The goal", VIDEO)
    assert (shown["kind"], shown["url"]) == ("direct", f"/c/{clip.code}")
    assert len(clip.code) == 8


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (40, 10, "end"),  # ends before it starts
        (10, 10, "end"),  # no length
        (0, 301, "end"),  # longer than CLIP_MAX_SECONDS
        (-1, 5, "start"),
        ("1:75", 200, "start"),  # not a time
        ("soon", 5, "start"),
        (True, 5, "start"),
        (10, float("inf"), "end"),
    ],
)
def test_a_range_that_is_not_one_is_refused_by_its_field(people, start, end, field):
    with pytest.raises(ValidationError) as refused:
        made(people["ann"], start, end)
    assert refused.value.field == field
    assert db.session.scalar(select(Clip.id)) is None


def test_the_longest_clip_is_a_setting(app, people):
    app.config["CLIP_MAX_SECONDS"] = 20.0
    with pytest.raises(ValidationError, match="20 seconds"):
        made(people["ann"], 0, 21)
    assert made(people["ann"], 0, 20).end_seconds == 20.0


def test_bad_links_and_titles_are_refused(people):
    with pytest.raises(ValidationError) as refused:
        made(people["ann"], video_url="javascript:alert(1)")
    assert refused.value.field == "video_url"
    with pytest.raises(ValidationError) as refused:
        made(people["ann"], title="  ")
    assert refused.value.field == "title"


def test_blocked_people_and_unknown_codes_find_nothing(people):
    clip = made(people["ann"])
    social.block(people["ann"], "ben")
    with pytest.raises(NotFound):
        clips.visible_clip(people["ben"], clip.code)
    with pytest.raises(NotFound):
        clips.visible_clip(people["cat"], "nothere1")
    assert clips.made_by(people["ben"], "ann") == ([], None)
    assert [c.id for c in clips.made_by(people["cat"], "ann")[0]] == [clip.id]


def test_only_its_maker_changes_or_deletes_it(people):
    clip = made(people["ann"])
    with pytest.raises(Forbidden):
        clips.edit(people["ben"], clip.code, {"title": "Mine now"})
    with pytest.raises(Forbidden):
        clips.delete(people["ben"], clip.code)
    clips.edit(people["ann"], clip.code, {"start": "0:20", "title": "Better"})
    assert (clip.start_seconds, clip.end_seconds, clip.title) == (20.0, 40.0, "Better")
    with pytest.raises(ValidationError):
        clips.edit(people["ann"], clip.code, {"end": "0:15"})
    clips.delete(people["ann"], clip.code)
    for person in (people["ann"], people["ben"]):
        with pytest.raises(NotFound):
            clips.visible_clip(person, clip.code)
    assert clips.made_by(people["ann"], "ann") == ([], None)


def test_moderators_take_a_clip_down_and_it_is_logged(people, user_factory):
    clip = made(people["ann"])
    moderator = user_factory("moe", role=Role.MODERATOR)
    with pytest.raises(NotFound):
        clips.remove(people["ben"], clip.id)
    clips.remove(moderator, clip.id, "Spoilers")
    with pytest.raises(NotFound):
        clips.visible_clip(people["ann"], clip.code)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "remove_clip"))
    assert (entry.target_id, entry.reason) == (clip.id, "Spoilers")


def test_each_person_is_one_view_and_the_maker_none(people):
    clip = made(people["ann"])
    for person in (people["ann"], people["ben"], people["ben"], people["cat"], people["ann"]):
        clips.opened(person, clip.code)
    db.session.expire_all()
    assert clips.visible_clip(people["ann"], clip.code).view_count == 2


def test_a_muted_person_cannot_make_clips(people, user_factory):
    moderator = user_factory("moe", role=Role.MODERATOR)
    moderation.mute(moderator, "ann", 60)
    with pytest.raises(Forbidden):
        made(people["ann"])


def test_the_last_thirty_seconds_of_a_party_end_where_it_is_now(people):
    ann, ben = people["ann"], people["ben"]
    party = parties.create(ann, {"title": "Night", "media_url": VIDEO, "visibility": "public"})
    with pytest.raises(Forbidden):
        clips.from_party(ben, party.id)  # not in the party
    party_membership.enter(ben, party.id)
    with pytest.raises(ValidationError):
        clips.from_party(ben, party.id)  # nothing has played
    playback.play(ann, party.id, 100.0)
    before = time.time()
    clip = clips.from_party(ben, party.id)
    elapsed = time.time() - before + 0.2
    assert 100.0 <= clip.end_seconds <= 100.0 + elapsed + 1
    assert clip.end_seconds - clip.start_seconds == pytest.approx(30.0, abs=0.11)
    assert (clip.video_url, clip.owner_id) == (VIDEO, ben.id)
    playback.seek(ann, party.id, 12.0)
    playback.pause(ann, party.id)
    early = clips.from_party(ann, party.id)
    assert (early.start_seconds, early.end_seconds) == (0.0, 12.0)


def test_clips_linked_from_words_are_found_for_their_reader(people):
    youtube = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    first = made(people["ann"], 12.5, 20, video_url=youtube)
    second = made(people["ann"], video_url="https://media.example/film.mp4")
    plain_http = made(people["ann"], video_url="http://media.example/film.mp4")
    words = (
        f"look https://tandem.example/c/{first.code} and /c/{second.code}, "
        f"again /c/{first.code}, /c/{plain_http.code} and /c/nothere1 or x/c/{second.code}"
    )
    found = clips.linked(people["ben"].id, words)
    assert [c["code"] for c in found] == [first.code, second.code, plain_http.code]
    assert found[0]["embed"] == (
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=12&end=20"
    )
    assert found[1]["embed"] == "https://media.example/film.mp4#t=10.0,40.0"
    assert found[2]["embed"] is None  # plain http plays on the clip's own page only
    social.block(people["ann"], "ben")
    assert clips.linked(people["ben"].id, words) == []
    clips.delete(people["ann"], first.code)
    assert [c["code"] for c in clips.linked(people["cat"].id, words)] == [
        second.code,
        plain_http.code,
    ]
    assert clips.linked(people["cat"].id, None) == []


def test_a_new_accounts_link_is_held_in_a_clip_of_its_party_too(app, people):
    app.config["NEW_ACCOUNT_LINK_HOLD_SECONDS"] = 24 * 3600
    spam = "https://spam.example/buy-now.mp4"
    party = parties.create(people["ann"], {"title": "Night", "media_url": spam})
    playback.play(people["ann"], party.id, 40.0)
    with pytest.raises(ValidationError) as held:
        clips.from_party(people["ann"], party.id)
    assert held.value.code == "links_held"


def test_a_persons_clips_page_on_to_the_last(app, people):
    made_ids = [made(people["ann"]).id for _ in range(clips.LISTED_MAX + 3)]
    shown, cursor = clips.made_by(people["ben"], "ann")
    assert [c.id for c in shown] == made_ids[::-1][: clips.LISTED_MAX]
    rest, end = clips.made_by(people["ben"], "ann", cursor)
    assert ([c.id for c in rest], end) == (made_ids[2::-1], None)
    with pytest.raises(ValidationError):
        clips.made_by(people["ben"], "ann", "not a cursor")

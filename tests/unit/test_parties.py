"""Watch-party rules: media links, visibility and joining, roles and every command by
every role, host handover, approval, queue, chat, and the sync arithmetic."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import iso, utcnow
from models.party import Party
from realtime.channels import channels_for, state_after_resume
from services import (
    moderation_reports,
    parties,
    party_chat,
    party_hosts,
    party_media,
    party_membership,
    party_queue,
    party_shapes,
    playback,
    social,
)
from tests.support.concurrency import race
from tests.support.movie_night import movie_night

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def crew(user_factory):
    return {name: user_factory(name) for name in ("hana", "cole", "vic", "otto")}


@pytest.fixture
def party(crew):
    return movie_night(crew, VIDEO)


# -- media links --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "kind", "value"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?t=42", "youtube", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("http://127.0.0.1:8000/clip.webm", "direct", "http://127.0.0.1:8000/clip.webm"),
    ],
)
def test_media_links(url, kind, value):
    assert party_media.media_kind(url) == (kind, value)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:video/mp4;base64,AAAA",
        "ftp://media.example/a.mp4",
        "file:///etc/passwd",
        "https://www.youtube.com/watch?v=short",
        "https://",
        "https://exa mple.com/a.mp4",
        "https://x.example/" + "a" * 600,
        42,
        None,
    ],
)
def test_bad_media_links_are_400(url):
    with pytest.raises(ValidationError) as caught:
        party_media.media_kind(url)
    assert caught.value.field == "media_url"


# -- creating and joining --------------------------------------------------------------
def test_create_gives_a_code_and_a_live_state(app, crew):
    created = parties.create(
        crew["hana"], {"title": " Night ", "media_url": VIDEO, "max_participants": 5}
    )
    assert len(created.code) == 6
    assert set(created.code) <= set(parties.CODE_ALPHABET)
    data = party_shapes.to_dict(created, crew["hana"])
    assert data["title"] == "Night"
    assert data["status"] == "live"
    assert data["host"]["username"] == "hana"
    assert data["invite_url"] == f"/join/{created.code}"
    assert data["state"] == {
        "party_id": created.id,
        "media_url": VIDEO,
        "playing": False,
        "position": 0.0,
        "rate": 1.0,
        "at": data["state"]["at"],
        "version": 0,
        "host_id": crew["hana"].id,
        "duration": None,
        "media_title": "Night",
        "status": "live",
    }


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"media_url": VIDEO}, "title"),
        ({"title": "x" * 121, "media_url": VIDEO}, "title"),
        ({"title": "t", "media_url": "javascript:alert(1)"}, "media_url"),
        ({"title": "t", "media_url": VIDEO, "visibility": "secret"}, "visibility"),
        ({"title": "t", "media_url": VIDEO, "max_participants": 1}, "max_participants"),
        ({"title": "t", "media_url": VIDEO, "max_participants": 1001}, "max_participants"),
        ({"title": "t", "media_url": VIDEO, "max_participants": True}, "max_participants"),
        ({"title": "t", "media_url": VIDEO, "requires_approval": "yes"}, "requires_approval"),
        ({"title": "t", "media_url": VIDEO, "scheduled_at": "tomorrow"}, "scheduled_at"),
        (
            {"title": "t", "media_url": VIDEO, "scheduled_at": "2001-01-01T00:00:00Z"},
            "scheduled_at",
        ),
    ],
)
def test_create_bad_input(app, crew, fields, field):
    with pytest.raises(ValidationError) as caught:
        parties.create(crew["hana"], fields)
    assert caught.value.field == field


def test_private_parties_need_the_code(app, crew):
    private = parties.create(
        crew["hana"], {"title": "Secret", "media_url": VIDEO, "visibility": "private"}
    )
    with pytest.raises(NotFound):
        party_membership.enter(crew["otto"], private.id)
    with pytest.raises(NotFound):
        parties.get(crew["otto"], private.id)
    assert "code" not in party_shapes.to_dict(private, crew["otto"])
    joined, participant = party_membership.join_by_code(crew["otto"], private.code.lower())
    assert (joined.id, participant.status) == (private.id, "active")
    with pytest.raises(NotFound):
        party_membership.join_by_code(crew["otto"], "ZZZZZZ")


def test_friends_only_parties_and_blocks(app, crew):
    friends = parties.create(
        crew["hana"], {"title": "Friends", "media_url": VIDEO, "visibility": "friends"}
    )
    with pytest.raises(Forbidden):
        party_membership.enter(crew["otto"], friends.id)
    social.follow(crew["otto"], "hana")
    with pytest.raises(Forbidden):  # following is not enough: friends follow each other
        party_membership.enter(crew["otto"], friends.id)
    social.follow(crew["hana"], "otto")
    party_membership.enter(crew["otto"], friends.id)
    public = parties.create(crew["hana"], {"title": "Open", "media_url": VIDEO})
    social.block(crew["hana"], "vic")
    with pytest.raises(Forbidden):
        party_membership.enter(crew["vic"], public.id)
    with pytest.raises(Forbidden):
        party_membership.join_by_code(crew["vic"], public.code)


def test_full_party_is_409(app, crew):
    small = parties.create(
        crew["hana"], {"title": "Two", "media_url": VIDEO, "max_participants": 2}
    )
    party_membership.enter(crew["cole"], small.id)
    with pytest.raises(Conflict) as caught:
        party_membership.enter(crew["vic"], small.id)
    assert caught.value.code == "full"


def test_approval_flow(app, crew):
    gated = parties.create(
        crew["hana"], {"title": "Gated", "media_url": VIDEO, "requires_approval": True}
    )
    _, waiting = party_membership.join_by_code(crew["otto"], gated.code)
    assert waiting.status == "pending"
    with pytest.raises(Forbidden):
        party_chat.send(crew["otto"], gated.id, "let me in")
    assert [p.user.username for p in party_membership.pending_requests(crew["hana"], gated.id)] == [
        "otto"
    ]
    with pytest.raises(Forbidden):
        party_membership.decide(crew["otto"], gated.id, "otto", True)
    party_membership.decide(crew["hana"], gated.id, "otto", True)
    party_chat.send(crew["otto"], gated.id, "thanks")
    _, refused = party_membership.join_by_code(crew["vic"], gated.code)
    party_membership.decide(crew["hana"], gated.id, "vic", False)
    assert refused.status == "refused"
    with pytest.raises(NotFound):
        party_membership.decide(crew["hana"], gated.id, "vic", True)


def test_removed_participant_cannot_come_back(app, crew, party):
    party_membership.remove(crew["hana"], party.id, "vic")
    with pytest.raises(Forbidden) as caught:
        party_membership.enter(crew["vic"], party.id)
    assert caught.value.code == "removed"
    with pytest.raises(Forbidden):
        party_membership.join_by_code(crew["vic"], party.code)


# -- every command by every role ----------------------------------------------------------
COMMANDS = {
    "play": lambda u, p: playback.play(u, p.id, 10.0),
    "pause": lambda u, p: playback.pause(u, p.id),
    "seek": lambda u, p: playback.seek(u, p.id, 42.0),
    "rate": lambda u, p: playback.set_rate(u, p.id, 1.5),
    "queue add": lambda u, p: party_queue.add(u, p.id, VIDEO + "?2", "Second"),
    "message": lambda u, p: party_chat.send(u, p.id, "hi", 3.0),
    "reaction": lambda u, p: party_chat.react(u, p.id, "🎉"),
    "typing": lambda u, p: party_chat.typing(u, p.id, True),
    "heartbeat": lambda u, p: playback.heartbeat(u, p.id, 0.0, False),
    "role": lambda u, p: party_membership.set_role(u, p.id, "vic", "co-host"),
    "remove": lambda u, p: party_membership.remove(u, p.id, "vic"),
    "end": lambda u, p: parties.end(u, p.id),
}
ALLOWED = {
    "host": set(COMMANDS),
    "co-host": {
        "play",
        "pause",
        "seek",
        "rate",
        "queue add",
        "message",
        "reaction",
        "typing",
        "heartbeat",
    },
    "viewer": {"message", "reaction", "typing", "heartbeat"},
    "outsider": set(),
}
WHO = {"host": "hana", "co-host": "cole", "viewer": "vic", "outsider": "otto"}


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_by_every_role(app, crew, party, role, command):
    actor = crew[WHO[role]]
    before = party_shapes.state(party)
    if command in ALLOWED[role]:
        COMMANDS[command](actor, party)
    else:
        with pytest.raises(Forbidden):
            COMMANDS[command](actor, party)
        if command in ("play", "pause", "seek", "rate"):
            assert party_shapes.state(party)["version"] == before["version"]


def test_state_changes_bump_the_version_and_set_at(app, crew, party):
    first = playback.play(crew["hana"], party.id, 5.0)
    second = playback.seek(crew["cole"], party.id, 60.0)
    third = playback.pause(crew["hana"], party.id, 61.5)
    assert [s["version"] for s in (first, second, third)] == [1, 2, 3]
    assert (first["playing"], first["position"]) == (True, 5.0)
    assert (second["playing"], second["position"]) == (True, 60.0)
    assert (third["playing"], third["position"]) == (False, 61.5)
    assert abs(third["at"] - time.time()) < 2


@pytest.mark.parametrize("position", [-1, float("nan"), float("inf"), "10", True, 10**9])
def test_bad_positions(app, crew, party, position):
    with pytest.raises(ValidationError):
        playback.seek(crew["hana"], party.id, position)


# -- sync arithmetic ------------------------------------------------------------------
def test_expected_position_and_drift():
    playing = {"playing": True, "position": 100.0, "rate": 1.0, "at": 1000.0}
    assert playback.expected_position(playing, 1010.0) == 110.0
    assert playback.expected_position({**playing, "rate": 1.5}, 1010.0) == 115.0
    assert playback.expected_position({**playing, "playing": False}, 1010.0) == 100.0
    assert playback.expected_position({**playing, "position": 0.0}, 990.0) == 0.0
    assert playback.drift(111.5, playing, 1010.0) == pytest.approx(1.5)
    assert playback.drift(109.0, playing, 1010.0) == pytest.approx(-1.0)


def test_heartbeat_answers_drift(app, crew, party):
    state = playback.play(crew["hana"], party.id, 20.0)
    answer = playback.heartbeat(crew["vic"], party.id, 18.0, True)
    assert answer["state"]["version"] == state["version"]
    assert answer["drift"] == pytest.approx(-2.0 - (answer["server_time"] - state["at"]), abs=0.01)
    with pytest.raises(ValidationError):
        playback.heartbeat(crew["vic"], party.id, 18.0, "yes")


# -- handover and ending -------------------------------------------------------------
def test_host_leaving_hands_over_to_the_longest_present_co_host(app, crew, party):
    party_membership.set_role(crew["hana"], party.id, "vic", "co-host")
    party_membership.leave(crew["hana"], party.id)
    assert party.host_id == crew["cole"].id  # co-host since before vic
    assert party_shapes.state(party)["host_id"] == crew["cole"].id
    playback.play(crew["cole"], party.id)
    party_membership.leave(crew["cole"], party.id)
    assert party.host_id == crew["vic"].id


def test_without_co_hosts_the_longest_present_viewer_inherits(app, crew):
    created = parties.create(crew["hana"], {"title": "t", "media_url": VIDEO})
    party_membership.enter(crew["vic"], created.id)
    party_membership.enter(crew["otto"], created.id)
    party_membership.leave(crew["hana"], created.id)
    assert created.host_id == crew["vic"].id
    assert party_hosts.hand_over(created.id, crew["hana"].id) is None  # already handed over


def test_absent_host_is_replaced_and_empty_parties_end(app, crew, party):
    online = {crew["cole"].id, crew["vic"].id}
    long_ago = time.time() - 120
    parties.sweep(30, 300, lambda _p: online, lambda _p, _u: long_ago)
    assert party.host_id == crew["cole"].id
    parties.sweep(30, 300, lambda _p: (), lambda _p, _u: time.time())
    assert party.status == "live"  # everyone only just left
    from datetime import timedelta

    from models.clock import utcnow

    party.started_at = utcnow() - timedelta(hours=1)
    parties.sweep(30, 60, lambda _p: (), lambda _p, _u: long_ago)
    assert party.status == "ended"
    with pytest.raises(Forbidden):
        party_chat.send(crew["cole"], party.id, "anyone?")


def test_scheduled_party_is_upcoming_then_starts(app, crew):
    from datetime import timedelta

    from models.clock import utcnow

    soon = (utcnow() + timedelta(hours=1)).isoformat()
    later = parties.create(
        crew["hana"], {"title": "Later", "media_url": VIDEO, "scheduled_at": soon}
    )
    assert later.status == "upcoming"
    assert [p.id for p in parties.listing("upcoming")[0]] == [later.id]
    social.follow(crew["otto"], "hana")
    parties.start(crew["hana"], later.id)
    assert later.status == "live"
    from services import notifications

    assert [n.kind for n in notifications.listing(crew["otto"].id)] == ["party_started"]


def test_listing_is_public_only_and_paginated(app, crew):
    for n in range(parties.LIST_PAGE + 1):
        parties.create(crew["hana"], {"title": f"P{n}", "media_url": VIDEO})
    parties.create(crew["hana"], {"title": "hidden", "media_url": VIDEO, "visibility": "private"})
    first, more = parties.listing("live", 1)
    second, done = parties.listing("live", 2)
    assert len(first) == parties.LIST_PAGE
    assert more is True
    assert len(second) == 1
    assert done is False
    assert "hidden" not in [p.title for p in first + second]
    with pytest.raises(ValidationError):
        parties.listing("soon")


def test_listing_leaves_out_hosts_blocked_either_way(app, crew):
    parties.create(crew["hana"], {"title": "Hana's", "media_url": VIDEO})
    parties.create(crew["cole"], {"title": "Cole's", "media_url": VIDEO})
    social.block(crew["hana"], "vic")
    social.block(crew["otto"], "cole")

    def titles(viewer: str) -> list[str]:
        return sorted(p.title for p in parties.listing("live", 1, crew[viewer])[0])

    assert titles("vic") == ["Cole's"]  # hana blocked vic
    assert titles("otto") == ["Hana's"]  # otto blocked cole
    assert titles("hana") == ["Cole's", "Hana's"]
    assert len(parties.listing("live")[0]) == 2  # the staff's overview names no viewer


# -- queue and chat -----------------------------------------------------------------
def test_queue_add_reorder_next_and_suggestions(app, crew, party):
    first = party_queue.add(crew["hana"], party.id, VIDEO + "?a", "A")
    second = party_queue.add(crew["cole"], party.id, VIDEO + "?b", "B")
    with pytest.raises(Forbidden):
        party_queue.add(crew["vic"], party.id, VIDEO + "?c")
    party.allow_suggestions = True
    suggested = party_queue.add(crew["vic"], party.id, VIDEO + "?c", "C")
    assert suggested.status == "suggested"
    party_queue.reorder(crew["hana"], party.id, [second.id, suggested.id, first.id])
    with pytest.raises(ValidationError):
        party_queue.reorder(crew["hana"], party.id, [second.id])
    state = playback.next_item(crew["cole"], party.id)
    assert (state["media_url"], state["position"], state["playing"]) == (VIDEO + "?b", 0.0, True)
    party_queue.accept(crew["hana"], party.id, suggested.id)
    assert playback.next_item(crew["hana"], party.id)["media_url"] == VIDEO + "?c"
    party_queue.remove(crew["hana"], party.id, first.id)
    with pytest.raises(Conflict):
        playback.next_item(crew["hana"], party.id)


def test_chat_messages_keep_video_time_and_are_idempotent(app, crew, party):
    first = party_chat.send(crew["vic"], party.id, "look at this", 12.5, client_id="x")
    again = party_chat.send(crew["vic"], party.id, "look at this", 12.5, client_id="x")
    assert first.id == again.id
    data = party_chat.to_dict(first)
    assert (data["video_time"], data["sender"]["username"]) == (12.5, "vic")
    assert [m.body for m in party_chat.history(crew["cole"], party.id)] == ["look at this"]
    for bad in (
        {"body": ""},
        {"body": "x" * 1001},
        {"body": "ok", "video_time": -5},
        {"body": "ok", "video_time": float("nan")},
    ):
        with pytest.raises(ValidationError):
            party_chat.send(crew["vic"], party.id, bad["body"], bad.get("video_time"))
    with pytest.raises(ValidationError):
        party_chat.react(crew["vic"], party.id, "🍕")


def test_a_client_id_used_in_another_party_is_refused_not_answered_with_that_message(
    app, crew, party
):
    """A client numbering its sends per session (c-1, c-2, ...) in two parties: the second
    send is not a retry of the first, and must not be answered as if it were stored."""
    party_chat.send(crew["vic"], party.id, "hello first", client_id="c-1")
    other = parties.create(crew["hana"], {"title": "Second night", "media_url": VIDEO})
    party_membership.enter(crew["vic"], other.id)
    with pytest.raises(ValidationError) as refused:
        party_chat.send(crew["vic"], other.id, "hello second", client_id="c-1")
    assert refused.value.field == "client_id"
    assert party_chat.history(crew["vic"], other.id) == []
    assert [m.body for m in party_chat.history(crew["vic"], party.id)] == ["hello first"]


def test_stream_carries_joined_parties_and_their_state(app, crew, party):
    assert party_shapes.channel(party.id) in channels_for(crew["vic"].id)
    assert party_shapes.drivers_channel(party.id) in channels_for(crew["cole"].id)
    assert party_shapes.drivers_channel(party.id) not in channels_for(crew["vic"].id)
    assert party_shapes.channel(party.id) not in channels_for(crew["otto"].id)
    [state] = state_after_resume(crew["vic"].id)
    assert (state.name, state.data["party_id"]) == ("party:state", party.id)
    party_membership.leave(crew["vic"], party.id)
    assert party_shapes.channel(party.id) not in channels_for(crew["vic"].id)


def test_state_after_resume_can_be_limited_to_what_changed_since(app, crew, party):
    known = party.at
    assert state_after_resume(crew["vic"].id, changed_after=known) == []
    playback.seek(crew["hana"], party.id, 42.0)
    [state] = state_after_resume(crew["vic"].id, changed_after=known)
    assert (state.data["position"], state.data["version"]) == (42.0, party.version)
    assert state_after_resume(crew["vic"].id, changed_after=state.data["at"]) == []


def test_scheduled_time_with_an_offset_is_kept_as_the_same_moment(app, crew):
    from datetime import UTC, timedelta, timezone

    from extensions import db
    from models.clock import utcnow
    from models.party import Party

    moment = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    written = moment.astimezone(timezone(timedelta(hours=-5))).isoformat()
    later = parties.create(
        crew["hana"], {"title": "Offset", "media_url": VIDEO, "scheduled_at": written}
    )
    db.session.expire_all()
    stored = db.session.get(Party, later.id).scheduled_at
    assert stored.replace(tzinfo=stored.tzinfo or UTC) == moment
    assert party_shapes.to_dict(db.session.get(Party, later.id))["scheduled_at"].startswith(
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    )


def test_an_ended_partys_chat_is_for_those_who_were_there(app, crew):
    social.follow(crew["hana"], "cole")
    social.follow(crew["cole"], "hana")
    friends = parties.create(
        crew["hana"], {"title": "Friends", "media_url": VIDEO, "visibility": "friends"}
    )
    party_membership.enter(crew["cole"], friends.id)
    party_chat.send(crew["cole"], friends.id, "just us")
    public = parties.create(crew["hana"], {"title": "Open", "media_url": VIDEO})
    party_membership.enter(crew["cole"], public.id)
    party_chat.send(crew["cole"], public.id, "hello all")
    parties.end(crew["hana"], friends.id)
    parties.end(crew["hana"], public.id)

    assert [m.body for m in party_chat.history(crew["cole"], friends.id)] == ["just us"]
    with pytest.raises(NotFound):
        party_chat.history(crew["otto"], friends.id)
    assert [m.body for m in party_chat.history(crew["otto"], public.id)] == ["hello all"]


def test_someone_waiting_for_approval_can_see_the_private_party_they_asked_for(app, crew):
    gated = parties.create(
        crew["hana"],
        {"title": "Gated", "media_url": VIDEO, "visibility": "private", "requires_approval": True},
    )
    party_membership.join_by_code(crew["otto"], gated.code)
    access = parties.get(crew["otto"], gated.id)
    assert access.participant.status == "pending"
    assert not access.active
    with pytest.raises(Forbidden):
        party_chat.history(crew["otto"], gated.id)
    with pytest.raises(NotFound):
        parties.get(crew["vic"], gated.id)


def test_next_advances_once_for_the_end_of_one_item(app, crew, party):
    first = party_queue.add(crew["hana"], party.id, VIDEO + "?a", "A")
    party_queue.add(crew["hana"], party.id, VIDEO + "?b", "B")
    seen = party_shapes.state(party)["version"]

    by_host = playback.next_item(crew["hana"], party.id, seen)
    by_co_host = playback.next_item(crew["cole"], party.id, seen)

    assert by_host["media_url"] == VIDEO + "?a"
    assert by_co_host == by_host
    left = party_queue.listing(crew["hana"], party.id)
    assert [(item.title, item.status) for item in left] == [("B", "queued")]
    assert first.status == "played"
    with pytest.raises(ValidationError):
        playback.next_item(crew["hana"], party.id, "7")


def test_two_workers_starting_and_ending_a_party_at_once_act_once(app, crew):
    from datetime import timedelta

    from extensions import db
    from models.clock import utcnow
    from models.party import Party
    from services import notifications

    soon = (utcnow() + timedelta(hours=1)).isoformat()
    later = parties.create(
        crew["hana"], {"title": "Later", "media_url": VIDEO, "scheduled_at": soon}
    )
    social.follow(crew["otto"], "hana")
    party_id = later.id  # read here: the racing threads must not touch this session

    def at_once(action) -> None:
        def worker():  # as the sweep does: the caller commits
            action(db.session.get(Party, party_id))
            db.session.commit()

        race(app, worker, worker)

    at_once(parties.begin)
    at_once(parties.finish)
    assert [n.kind for n in notifications.listing(crew["otto"].id)] == ["party_started"]
    db.session.expire_all()
    ended = db.session.get(Party, later.id)
    assert ended.status == "ended"
    assert ended.version == 1  # ended once


# -- watching: having the party's page open ----------------------------------------------
def _connection(user, party_id=None):
    """A live connection of `user` on this worker (an event stream); with `party_id`, the
    page of that party."""
    from realtime import resume
    from realtime.bus import bus
    from realtime.connections import Identity

    stream = resume.open_stream(Identity(user_id=user.id), "sse")
    if party_id is not None:
        bus.hub.watch(stream, party_id)
    return stream


def _sweep(host_absent_after=30):
    from realtime.bus import bus

    store = bus.watching.store
    parties.sweep(host_absent_after, 300, store.watchers, store.last_watched)


def test_a_participant_on_another_page_is_not_watching(app, crew, party):
    from realtime.bus import bus

    _connection(crew["vic"])  # online, on their messages page, say
    assert bus.presence.store.is_online(crew["vic"].id)
    assert party_membership.watchers(party.id) == []
    page = _connection(crew["vic"], party.id)
    assert party_membership.watchers(party.id) == [crew["vic"].id]
    bus.hub.remove_stream(page)
    assert party_membership.watchers(party.id) == [crew["vic"].id]  # for the grace of a reload
    bus.watching._release_if_still_idle(party.id, crew["vic"].id)  # the grace is over
    assert party_membership.watchers(party.id) == []
    assert bus.presence.store.is_online(crew["vic"].id)  # still on the site


def test_the_host_stays_while_watching_and_hands_over_to_who_watches(app, crew, party):
    from realtime.bus import bus

    host, cole, vic = crew["hana"], crew["cole"], crew["vic"]
    party.created_at = party.started_at = party.created_at.replace(year=2020)
    page = _connection(host, party.id)
    _connection(vic, party.id)
    _sweep(host_absent_after=0)
    assert party.host_id == host.id  # watching: here, however long ago the party began

    bus.hub.remove_stream(page)
    bus.watching._release_if_still_idle(party.id, host.id)
    _connection(host)  # the host is on another page now: online, not watching
    _connection(cole)  # the co-host too
    _sweep(host_absent_after=0)
    assert party.host_id == vic.id  # who has the page open, before the co-host who has not


def test_the_creator_who_comes_back_is_host_again(app, crew, party):

    report = moderation_reports.report(crew["otto"], "party", party.id, "spoilers in the title")
    assert party_hosts.hand_over(party.id, crew["hana"].id) == crew["cole"].id  # hana was away
    version = party.version
    access = party_membership.enter(crew["hana"], party.id)  # back on the party's page
    assert access.role == "host"
    assert party.host_id == crew["hana"].id
    assert party.version == version + 1
    roles = {
        p["user"]["username"]: p["role"]
        for p in map(
            party_shapes.participant_dict, party_membership.participants(crew["hana"], party.id)
        )
    }
    assert roles["cole"] == "co-host"  # the stand-in keeps driving beside her
    assert party_membership.enter(crew["hana"], party.id).role == "host"  # nothing more happens
    assert party.version == version + 1
    # The report names who hosted the party when it was reported.
    assert moderation_reports.report_dict(report)["responsible"]["username"] == "hana"


def test_someone_else_coming_back_does_not_take_the_host_role(app, crew, party):
    party_hosts.hand_over(party.id, crew["hana"].id)
    assert party_membership.enter(crew["vic"], party.id).role == "viewer"
    assert party.host_id == crew["cole"].id


def test_a_cohost_cannot_start_a_scheduled_party_with_a_control(crew):
    """Starting a scheduled party is its host's: the first control of playback starts
    it, so a co-host's is refused until the host has started it."""
    later = iso(utcnow() + timedelta(days=2))
    scheduled = parties.create(
        crew["hana"], {"title": "Later", "media_url": VIDEO, "scheduled_at": later}
    )
    party_membership.enter(crew["cole"], scheduled.id)
    party_membership.set_role(crew["hana"], scheduled.id, "cole", "co-host")
    controls = (
        lambda: playback.play(crew["cole"], scheduled.id, 0),
        lambda: playback.pause(crew["cole"], scheduled.id, 0),
        lambda: playback.seek(crew["cole"], scheduled.id, 1),
        lambda: playback.set_rate(crew["cole"], scheduled.id, 1.5),
        lambda: playback.next_item(crew["cole"], scheduled.id),
    )
    for control in controls:
        with pytest.raises(Forbidden):
            control()
        assert db.session.get(Party, scheduled.id).status == "upcoming"
    playback.play(crew["hana"], scheduled.id, 0)
    assert db.session.get(Party, scheduled.id).status == "live"
    assert playback.seek(crew["cole"], scheduled.id, 5)["position"] == 5.0


def test_nobody_comes_back_into_an_ended_party(crew, party):
    parties.end(crew["hana"], party.id)
    with pytest.raises(Forbidden) as refused:
        party_membership.enter(crew["vic"], party.id)
    assert refused.value.code == "ended"


def test_after_a_redis_outage_each_watched_partys_state_is_sent_again(app, crew, party):
    """A state sent while Redis was away reached this worker's own clients only: once it
    is back, every worker sends its watched parties' states again, as they are now."""
    from realtime.bus import bus

    other = parties.create(crew["vic"], {"title": "Quiet", "media_url": VIDEO})
    page = _connection(crew["vic"], party.id)
    bus.hub.finish_stream_replay(page)
    playback.play(crew["hana"], party.id, 42.0)
    page.queue = type(page.queue)()  # what it heard live so far
    bus._resend_after_outage()
    sent = page.queue.get_nowait()
    assert (sent.channel, sent.name) == (f"party:{party.id}", "party:state")
    assert (sent.data["playing"], sent.data["position"]) == (True, 42.0)
    assert page.queue.empty()  # nothing of the party nobody watches here
    assert other.id != party.id

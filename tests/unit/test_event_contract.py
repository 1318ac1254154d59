"""The event contract (realtime/events.py): its checker, what is derived from it, and the
pages and streams that take their event names from it."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

import realtime.events as events
from config import load_config
from extensions import db
from models.stream import StreamEvent
from realtime import fragments
from realtime.bus import bus
from realtime.events import (
    CONTROL,
    CONTROL_CHANNEL,
    DURABLE_NAMES,
    EPHEMERAL_NAMES,
    EVENTS,
    KNOWN_EVENTS,
    STATE_NAMES,
    ContractError,
    check,
    is_durable,
    party_channel,
    party_of,
)

SUMMARY = {"id": 2, "username": "ben", "display_name": "Ben"}
STATE = {
    "party_id": 3,
    "media_url": "https://example.test/a.mp4",
    "media_title": "A film",
    "playing": True,
    "position": 12.5,
    "rate": 1.0,
    "at": 1764500000.25,
    "version": 4,
    "host_id": 2,
    "duration": None,
    "status": "live",
}
MESSAGE = {
    "id": 10,
    "conversation_id": 5,
    "sender": SUMMARY,
    "kind": "text",
    "body": "hello",
    "created_at": "2026-11-30T12:00:00Z",
    "edited_at": None,
    "deleted": False,
    "reply_to": None,
    "client_id": None,
    "attachment": None,
    "reactions": [{"emoji": "👍", "count": 1, "user_ids": [2]}],
}


def test_well_formed_events_pass():
    check("conversation:5", "message:new", MESSAGE)
    check("party:3", "party:state", STATE)
    check("party:3", "party:state", {**STATE, "position": 12, "duration": 300.0})
    check("user:2", "message:read", {"conversation_id": 5, "message_id": 10, "user_id": 2})
    check("staff", "moderation:reports", {"open_count": 0})
    check(CONTROL_CHANNEL, CONTROL, {"op": "join", "user": 2, "channel": "conversation:5"})


def test_a_key_of_the_wrong_type_fails_naming_event_and_key():
    with pytest.raises(ContractError, match=r"'message:deleted'.*conversation_id must be int"):
        check("conversation:5", "message:deleted", {"conversation_id": "5", "message_id": 10})
    with pytest.raises(ContractError, match="playing must be bool"):
        check("party:3", "party:state", {**STATE, "playing": 1})
    with pytest.raises(ContractError, match="version must be int"):
        check("party:3", "party:state", {**STATE, "version": True})


def test_nested_keys_are_named_by_their_path():
    broken = {**MESSAGE, "sender": {"id": 2, "username": "ben"}}
    with pytest.raises(ContractError, match=r"sender\.display_name is required"):
        check("conversation:5", "message:new", broken)
    broken = {**MESSAGE, "reactions": [{"emoji": "👍", "count": "1", "user_ids": [2]}]}
    with pytest.raises(ContractError, match=r"reactions\[0\]\.count must be int"):
        check("conversation:5", "message:new", broken)


def test_missing_and_undeclared_keys_fail():
    with pytest.raises(ContractError, match="host_id is required"):
        check("party:3", "party:state", {k: v for k, v in STATE.items() if k != "host_id"})
    with pytest.raises(ContractError, match="surprise is not a declared key"):
        check("party:3", "party:state", {**STATE, "surprise": 1})
    with pytest.raises(ContractError, match="must be one of 'online'"):
        check("presence:2", "presence", {"user_id": 2, "status": "asleep", "last_seen": None})


def test_an_undeclared_event_fails():
    with pytest.raises(ContractError, match="'party:teleport' is not declared"):
        check("party:3", "party:teleport", {"party_id": 3})
    with pytest.raises(ContractError, match="not declared"):
        is_durable("party:teleport")


def test_the_wrong_kind_of_channel_fails():
    refused = r"'party:state' may not be published on channel 'user:2'"
    with pytest.raises(ContractError, match=refused):
        check("user:2", "party:state", STATE)
    with pytest.raises(ContractError, match="may not be published"):
        check("conversation:five", "message:new", MESSAGE)
    with pytest.raises(ContractError, match="may not be published"):
        check("party:3", "party:drift", {})  # drivers only


def test_durability_and_names_are_derived_from_the_declarations():
    assert {event.name for event in EVENTS if event.durable} == DURABLE_NAMES
    assert {event.name for event in EVENTS if not event.durable} == EPHEMERAL_NAMES
    assert not DURABLE_NAMES & EPHEMERAL_NAMES
    assert {"party:state", "presence", "unread:counts"} == STATE_NAMES
    for event in EVENTS:
        assert is_durable(event.name) is event.durable
    assert set(KNOWN_EVENTS) == {event.name for event in EVENTS} - {CONTROL}
    assert len(KNOWN_EVENTS) == len(set(KNOWN_EVENTS))


def test_known_events_include_membership_and_moderation():
    for name in (
        "membership:added",
        "membership:removed",
        "membership:updated",
        "membership:conversation_updated",
        "membership:conversation_deleted",
        "moderation:reports",
        "directory:room",
        "directory:room_removed",
    ):
        assert name in KNOWN_EVENTS
        assert is_durable(name)
    assert CONTROL not in KNOWN_EVENTS


@pytest.mark.parametrize("transport", ["websocket", "polling", "sse", "longpoll"])
def test_the_live_page_listens_for_every_known_event(logged_in_client, transport):
    page = logged_in_client.get(f"/live?transport={transport}").get_data(as_text=True)
    listed = re.search(r"data-events='([^']*)'", page)
    assert listed, "the live page lists no event names"
    assert json.loads(listed.group(1)) == list(KNOWN_EVENTS)


def test_every_html_fragment_is_for_a_known_event(app):
    assert fragments._renderers
    assert {name for _view, name in fragments._renderers} <= set(KNOWN_EVENTS)


def test_the_bus_refuses_an_event_that_breaks_the_contract(app):
    assert app.config["EVENT_CONTRACT_CHECK"]  # the suite turns it on (tests/conftest.py)
    with pytest.raises(ContractError, match="text must be str"):
        bus.publish("user:1", events.ECHO, {"text": 5, "sent_at": 1.0})
    with pytest.raises(ContractError, match="not declared"):
        bus.publish("user:1", "stream:shout", {"text": "hi"})
    assert db.session.scalar(select(func.count()).select_from(StreamEvent)) == 0
    bus.publish("user:1", events.ECHO, {"text": "hi", "sent_at": 1.0})


def test_the_check_is_a_setting(tmp_path):
    base = {"INSTANCE_PATH": str(tmp_path)}
    assert load_config(base, environ={})["EVENT_CONTRACT_CHECK"] is False
    assert load_config(base, environ={"EVENT_CONTRACT_CHECK": "1"})["EVENT_CONTRACT_CHECK"]


def test_a_party_channel_is_read_back_to_its_party_and_nothing_else_is():
    assert party_of(party_channel(42)) == 42
    for other in ("party:42:drivers", "party:", "party:x", "user:42", "party:\u0663", "party:-1"):
        assert party_of(other) is None

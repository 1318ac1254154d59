"""One's status and status text: validated once in the service, kept across connections,
told to those who may see it, and changed automatically only over what was not chosen."""

from __future__ import annotations

import pytest

from errors import ValidationError
from realtime.bus import bus
from realtime.events import PRESENCE, presence_channel
from services import presence


@pytest.fixture
def announced(app, monkeypatch) -> list[tuple[str, str, dict]]:
    """Every presence event the bus sends (still checked against its declaration)."""
    sent: list[tuple[str, str, dict]] = []
    original = bus.presence._publish

    def spy(channel: str, name: str, data: dict):
        sent.append((channel, name, data))
        return original(channel, name, data)

    monkeypatch.setattr(bus.presence, "_publish", spy)
    return sent


@pytest.fixture
def ann(user_factory):
    person = user_factory("ann")
    bus.presence.store.renew([person.id], ttl=20)  # a connection of hers is open
    return person


def test_status_and_text_are_kept_and_announced(ann, announced):
    answer = presence.set_status(ann.id, {"status": "busy", "text": "  In a meeting  "})
    assert (answer["status"], answer["text"], answer["auto"]) == ("busy", "In a meeting", False)
    assert announced == [
        (
            presence_channel(ann.id),
            PRESENCE,
            {
                "user_id": ann.id,
                "status": "busy",
                "text": "In a meeting",
                "last_seen": answer["last_seen"],
            },
        )
    ]
    assert presence.snapshot(ann.id)["text"] == "In a meeting"


def test_text_stays_unless_sent_and_clears_when_empty(ann):
    presence.set_status(ann.id, {"status": "busy", "text": "Deep work"})
    assert presence.set_status(ann.id, {"status": "away"})["text"] == "Deep work"
    assert presence.set_status(ann.id, {"status": "away", "text": ""})["text"] == ""
    presence.set_status(ann.id, {"status": "online", "text": "Free to chat"})
    assert presence.set_status(ann.id, {"status": "online", "text": None})["text"] == ""


def test_a_status_survives_a_reconnect(ann):
    presence.set_status(ann.id, {"status": "busy", "text": "Back at 3"})
    bus.presence.store.release(ann.id)
    gone = presence.snapshot(ann.id)
    assert (gone["status"], gone["text"]) == ("offline", "")  # nothing told of someone gone
    assert presence.own(ann.id)["status"] == "busy"
    bus.presence.store.renew([ann.id], ttl=20)
    back = presence.snapshot(ann.id)
    assert (back["status"], back["text"]) == ("busy", "Back at 3")


def test_the_same_choice_again_announces_nothing(ann, announced):
    presence.set_status(ann.id, {"status": "away", "text": "Lunch"})
    presence.set_status(ann.id, {"status": "away", "text": "Lunch"})
    assert len(announced) == 1


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({}, "status", "invalid"),
        ({"status": "asleep"}, "status", "invalid"),
        ({"status": 3}, "status", "invalid"),
        ({"status": "busy", "text": "x" * 81}, "text", "too_long"),
        ({"status": "busy", "text": 5}, "text", "invalid"),
        ({"status": "busy", "text": "two\nlines"}, "text", "invalid"),
        ({"status": "busy", "text": "hid\u202eden"}, "text", "invalid"),
        ({"status": "busy", "auto": "yes"}, "auto", "invalid"),
        ({"status": "busy", "auto": True}, "auto", "invalid"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(ann, announced, payload, field, code):
    with pytest.raises(ValidationError) as caught:
        presence.set_status(ann.id, payload)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert announced == []
    assert presence.snapshot(ann.id)["status"] == "online"


def test_eighty_characters_is_the_most(ann):
    assert presence.set_status(ann.id, {"status": "busy", "text": "é" * 80})["text"] == "é" * 80


def test_a_payload_that_is_not_an_object_is_refused(ann):
    with pytest.raises(ValidationError):
        presence.set_status(ann.id, ["busy"])  # type: ignore[arg-type]


def test_idle_sets_away_and_activity_undoes_only_that(ann):
    away = presence.set_status(ann.id, {"status": "away", "auto": True})
    assert (away["status"], away["auto"]) == ("away", True)
    assert presence.mine(ann.id)["auto"] is True
    back = presence.set_status(ann.id, {"status": "online", "auto": True})
    assert (back["status"], back["auto"]) == ("online", False)


@pytest.mark.parametrize("chosen", ["busy", "away"])
def test_a_status_chosen_by_hand_is_never_changed_automatically(ann, announced, chosen):
    presence.set_status(ann.id, {"status": chosen, "text": "Do not disturb"})
    announced.clear()
    idle = presence.set_status(ann.id, {"status": "away", "auto": True})
    assert (idle["status"], idle["auto"], idle["text"]) == (chosen, False, "Do not disturb")
    active = presence.set_status(ann.id, {"status": "online", "auto": True})
    assert active["status"] == chosen
    assert announced == []


def test_choosing_by_hand_ends_an_automatic_away(ann):
    presence.set_status(ann.id, {"status": "away", "auto": True})
    chosen = presence.set_status(ann.id, {"status": "away", "text": "Gone fishing"})
    assert chosen["auto"] is False
    assert presence.set_status(ann.id, {"status": "online", "auto": True})["status"] == "away"


def test_automatic_away_keeps_the_text(ann):
    presence.set_status(ann.id, {"status": "online", "text": "Watching films"})
    assert presence.set_status(ann.id, {"status": "away", "auto": True})["text"] == "Watching films"

"""What an open page shows stays true: each case drives the services, then renders, for
the viewer, what their page's stream receives after its cursor (the stored events, as a
resume replays them, or the event itself when it is not stored), and checks that the
region that changed is redrawn."""

from __future__ import annotations

import pytest

from realtime import store
from realtime.channels import channels_for
from realtime.events import Envelope, user_channel
from realtime.fragments import render_fragments
from services import (
    conversation_access,
    conversation_members,
    conversation_settings,
    conversations,
    home,
    message_edits,
    message_reading,
    notifications,
    parties,
    party_membership,
    party_shapes,
    social,
)
from tests.conftest import log_in
from tests.support.messages import sent_message

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def crew(user_factory):
    return {name: user_factory(name) for name in ("ann", "ben", "cat", "dan")}


def live(app, viewer, after: int, channels, args: str = "") -> list[tuple[str, str]]:
    """What the viewer's open page receives after `after` on `channels`."""
    out: list[tuple[str, str]] = []
    for event in store.read_after(after, channels):
        if not event.audience.admits(viewer.id):
            continue
        with app.test_request_context("/events/html" + args):
            out.extend(render_fragments(event, frozenset(), viewer.id))
    return out


def names(rendered: list[tuple[str, str]]) -> list[str]:
    return [name for name, _ in rendered]


def test_messages_badge_after_unread_message_is_deleted(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Pair", ["ann"])
    message = sent_message(ben, group.id, "hello ann")
    assert message_reading.unread_total(ann.id) == 1  # ann's badge says 1
    cursor = store.latest_id()

    message_edits.delete(ben, message.id)

    assert message_reading.unread_total(ann.id) == 0
    rendered = live(app, ann, cursor, [conversation_access.channel(group.id), user_channel(ann.id)])
    assert "messages-count" in names(rendered), names(rendered)


def test_messages_badge_after_removed_from_group_with_unread(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Pair", ["ann", "cat"])
    sent_message(ben, group.id, "hello")
    assert message_reading.unread_total(ann.id) == 1
    cursor = store.latest_id()

    conversation_members.remove_member(ben, group.id, "ann")

    assert message_reading.unread_total(ann.id) == 0
    # ann's stream loses the group's channel; her own channel tells her.
    rendered = live(app, ann, cursor, [user_channel(ann.id)])
    assert "conversation-row-gone" in names(rendered)
    assert "messages-count" in names(rendered), names(rendered)


def test_messages_badge_after_group_deleted_with_unread(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Pair", ["ann"])
    sent_message(ben, group.id, "hello")
    assert message_reading.unread_total(ann.id) == 1
    cursor = store.latest_id()

    conversation_settings.delete(ben, group.id)

    assert message_reading.unread_total(ann.id) == 0
    rendered = live(app, ann, cursor, [conversation_access.channel(group.id), user_channel(ann.id)])
    assert "conversation-row-gone" in names(rendered)
    assert "messages-count" in names(rendered), names(rendered)


def test_notifications_marked_read_elsewhere_are_redrawn_read(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    social.follow(ben, "ann")
    note = notifications.listing(ann.id)[0]
    assert notifications.to_dict(note)["read"] is False  # shown "unread" with "Mark read"

    unread = notifications.mark_read(ann.id, [note.id])  # in another tab
    # What mark_read publishes (ephemeral, so rendered from its own payload):
    envelope = Envelope(
        user_channel(ann.id),
        notifications.NOTIFICATION_READ,
        {"ids": [note.id], "all": False, "unread_count": unread},
    )
    with app.test_request_context("/events/html"):
        rendered = render_fragments(envelope, frozenset(), ann.id)
    html = "".join(h for _, h in rendered)
    assert f'id="notification-{note.id}"' in html, rendered


def test_mention_quote_after_message_deleted(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Pair", ["ann"])
    message = sent_message(ben, group.id, "@ann my bank pin is 1234")
    mention = next(n for n in notifications.listing(ann.id) if n.kind == notifications.MENTION)
    assert "1234" in notifications.to_dict(mention)["subject"]["text"]  # shown on her pages
    cursor = store.latest_id()

    message_edits.delete(ben, message.id)

    assert "text" not in notifications.to_dict(mention)["subject"]  # a reload drops it
    rendered = live(app, ann, cursor, [conversation_access.channel(group.id), user_channel(ann.id)])
    html = "".join(h for _, h in rendered)
    assert f'id="notification-{mention.id}"' in html, names(rendered)


def test_conversation_invite_after_rename(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Old name", ["ann"])
    invite = next(n for n in notifications.listing(ann.id) if n.kind == "conversation_invite")
    cursor = store.latest_id()

    conversation_settings.update(ben, group.id, {"name": "New name"})

    assert notifications.to_dict(invite)["subject"]["text"] == "New name"
    rendered = live(app, ann, cursor, [conversation_access.channel(group.id), user_channel(ann.id)])
    html = "".join(h for _, h in rendered)
    assert f'id="notification-{invite.id}"' in html, names(rendered)


@pytest.mark.parametrize("how", ["removed", "left", "deleted"])
def test_conversation_invite_once_its_reader_is_no_longer_in_it(app, crew, how):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Quiet corner", ["ann"])
    invite = next(n for n in notifications.listing(ann.id) if n.kind == "conversation_invite")
    link = f'href="/conversations/{group.id}"'
    cursor = store.latest_id()

    if how == "removed":
        conversation_members.remove_member(ben, group.id, "ann")
    elif how == "left":
        conversation_members.leave(ann, group.id)
    else:
        conversation_settings.delete(ben, group.id)

    subject = notifications.to_dict(invite)["subject"]
    assert subject["gone"] is True
    rendered = live(app, ann, cursor, [user_channel(ann.id)])
    redrawn = [h for _, h in rendered if f'id="notification-{invite.id}"' in h]
    assert redrawn, names(rendered)
    assert "which you are no longer in" in redrawn[-1]
    assert link not in redrawn[-1]


def test_conversation_invite_leads_in_again_once_they_are_back(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Quiet corner", ["ann"])
    conversation_members.remove_member(ben, group.id, "ann")
    conversation_members.add_member(ben, group.id, "ann")
    invites = [n for n in notifications.listing(ann.id) if n.kind == "conversation_invite"]
    assert invites
    assert all("gone" not in notifications.to_dict(n)["subject"] for n in invites)


def test_own_room_join_adds_row_in_other_tab(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    room = conversations.create_room(ben, "Films")
    cursor = store.latest_id()

    conversation_members.join(ann, room.id)

    rendered = live(app, ann, cursor, [conversation_access.channel(room.id), user_channel(ann.id)])
    assert "conversation-row" in names(rendered), names(rendered)


def test_a_conversations_typing_line_goes_by_itself_if_its_stop_is_missed(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Pair", ["ann"])
    envelope = Envelope(
        conversation_access.channel(group.id),
        "typing",
        {"conversation_id": group.id, "user": ben.to_summary(), "typing": True},
    )
    with app.test_request_context("/events/html"):
        [(_name, html)] = render_fragments(envelope, frozenset(), ann.id)
    # The stop is not stored either: missed while the stream reconnects, the page takes
    # the line off by itself.
    assert 'data-expires-in="6"' in html, html


def test_an_open_groups_heading_follows_a_rename(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    group = conversations.create_group(ben, "Old name", ["ann"])
    cursor = store.latest_id()

    conversation_settings.update(ben, group.id, {"name": "<b>New</b>", "description": "Plans"})

    rendered = dict(live(app, ann, cursor, [conversation_access.channel(group.id)]))
    assert rendered[f"conversation-name-{group.id}"] == "&lt;b&gt;New&lt;/b&gt;"
    assert rendered[f"conversation-description-{group.id}"] == "Plans"
    # The page has the regions those fragments swap into.
    client = app.test_client()
    log_in(client, "ann")
    page = client.get(f"/conversations/{group.id}").get_data(as_text=True)
    assert f'sse-swap="conversation-name-{group.id}"' in page
    assert f'sse-swap="conversation-description-{group.id}"' in page


def test_a_private_partys_card_leaves_the_home_page_of_someone_removed_from_it(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    social.follow(ann, "ben")
    party = parties.create(ben, {"title": "Secret", "media_url": VIDEO, "visibility": "private"})
    party_membership.join_by_code(ann, party.code)
    assert [p["id"] for p in home.parties_for(ann)] == [party.id]  # her home shows it
    cursor = store.latest_id()

    party_membership.remove(ben, party.id, "ann")

    assert home.parties_for(ann) == []  # a reload drops it
    rendered = live(app, ann, cursor, [user_channel(ann.id), party_shapes.channel(party.id)])
    assert "home-party-gone" in names(rendered), names(rendered)


def test_a_friends_partys_card_follows_a_change_of_host(app, crew):
    ann, ben, cat = crew["ann"], crew["ben"], crew["cat"]
    for a, b in ((ann, "ben"), (ben, "ann"), (cat, "ben"), (ben, "cat")):
        social.follow(a, b)
    party = parties.create(ben, {"title": "Friends", "media_url": VIDEO, "visibility": "friends"})
    party_membership.join_by_code(cat, party.code)
    card = home.parties_for(ann)
    assert [p["host"]["username"] for p in card] == ["ben"]  # "hosted by ben"
    cursor = store.latest_id()

    party_membership.leave(ben, party.id)  # cat becomes host

    assert home.party_on_home(ann, party.id) is None  # ann does not follow cat
    rendered = dict(live(app, ann, cursor, channels_for(ann.id)))
    assert f'id="home-party-{party.id}" hx-swap-oob="delete"' in rendered["home-party-gone"]

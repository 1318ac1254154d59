"""Full-text search on both engines: stemming, accents, phrases, filters, ranking, an
index that follows edits and deletions, and snippets that are escaped HTML."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import flask_migrate as migrate
import pytest
from sqlalchemy import event, text, update

from errors import ValidationError
from extensions import db
from models.clock import utcnow
from models.conversation import Conversation, Message
from models.search_schema import MESSAGES
from models.user import Role
from services import (
    account_data,
    accounts,
    conversation_members,
    conversations,
    message_edits,
    moderation,
    posts,
    profiles,
    search,
    search_engines,
    search_hits,
    search_index,
    search_query,
    social,
)
from tests.conftest import PASSWORD, running
from tests.support.messages import sent_message
from tests.support.search_facets import every_facet


@pytest.fixture
def people(engine_app):
    ann = accounts.register("ann", PASSWORD)
    bob = accounts.register("bob", PASSWORD)
    return ann, bob


def found(viewer, query, kind=None, cursor=None):
    return search.search(viewer, query, kind=kind, cursor=cursor)


def ids(viewer, query, kind="message"):
    return [hit.id for hit in found(viewer, query, kind).hits]


def group_of(ann, bob, name="Film club", description=""):
    return conversations.create_group(ann, name, [bob.username], description=description)


def test_stemming_and_accents(people):
    ann, bob = people
    group = group_of(ann, bob)
    watched = sent_message(ann, group.id, "We watched it at the Café de Flore")
    assert ids(bob, "watching") == [watched.id]
    assert ids(bob, "cafe") == [watched.id]
    assert ids(bob, "CAFÉ flore") == [watched.id]
    assert ids(bob, "tea") == []


def test_a_phrase_matches_only_its_words_in_order(people):
    ann, bob = people
    group = group_of(ann, bob)
    in_order = sent_message(ann, group.id, "the red balloon floats")
    sent_message(ann, group.id, "a balloon, red and round")
    assert ids(bob, '"red balloon"') == [in_order.id]
    assert len(ids(bob, "red balloon")) == 2


def test_filters_by_sender_place_kind_and_date(people):
    ann, bob = people
    group = group_of(ann, bob)
    room = conversations.create_room(ann, "Picnic planning")
    conversation_members.join(bob, room.id)
    by_ann = sent_message(ann, group.id, "picnic on sunday")
    by_bob = sent_message(bob, group.id, "picnic on saturday")
    in_room = sent_message(bob, room.id, "picnic in the room")
    assert set(ids(ann, "picnic from:bob")) == {by_bob.id, in_room.id}
    assert ids(ann, "picnic from:@ann") == [by_ann.id]
    assert set(ids(ann, f"picnic in:{group.id}")) == {by_ann.id, by_bob.id}
    assert ids(ann, 'picnic in:"picnic planning"') == [in_room.id]
    assert ids(ann, "from:bob in:picnic planning") == []  # `planning` is a word: no message has it
    rooms = found(ann, "picnic kind:rooms")
    assert [(h.kind, h.id) for h in rooms.hits] == [("room", room.id)]
    assert set(rooms.facets) == {"room"}
    today = utcnow().date()
    assert len(ids(ann, f"picnic after:{today - timedelta(days=1)}")) == 3
    assert ids(ann, f"picnic after:{today}") == []
    assert ids(ann, f"picnic before:{today}") == []
    assert len(ids(ann, f"picnic before:{today + timedelta(days=1)}")) == 3


def test_ranking_puts_the_better_match_first_then_the_newest(people):
    ann, bob = people
    group = group_of(ann, bob)
    once = sent_message(ann, group.id, "a long note about many things and one mango somewhere")
    many = sent_message(ann, group.id, "mango mango mango")
    newer_once = sent_message(
        ann, group.id, "a long note about many things and one mango somewhere"
    )
    assert ids(bob, "mango") == [many.id, newer_once.id, once.id]


def test_an_edited_message_is_not_found_by_its_old_text(people):
    ann, bob = people
    group = group_of(ann, bob)
    message = sent_message(ann, group.id, "meet at the lighthouse")
    assert ids(bob, "lighthouse") == [message.id]
    message_edits.edit(ann, message.id, "meet at the harbour")
    assert ids(bob, "lighthouse") == []
    assert ids(bob, "harbour") == [message.id]


def test_deleted_and_removed_messages_are_not_found(people):
    ann, bob = people
    staff = accounts.register("mod", PASSWORD, Role.MODERATOR)
    group = group_of(ann, bob)
    room = conversations.create_room(ann, "Open room")
    deleted = sent_message(ann, group.id, "secret plan one")
    removed = sent_message(ann, room.id, "secret plan two")
    message_edits.delete(ann, deleted.id)
    moderation.remove_message(staff, removed.id, "spam")
    assert ids(bob, "secret") == []
    # Even a row changed past every service leaves the index in the same transaction.
    kept = sent_message(ann, group.id, "secret plan three")
    db.session.execute(update(Message).where(Message.id == kept.id).values(body="nothing"))
    db.session.commit()
    assert ids(bob, "secret") == []


def test_a_deleted_account_is_not_found_and_its_old_name_neither(people):
    ann, bob = people
    profiles.update_profile(bob, "Bobby Tables", "", 0)
    assert [h.id for h in found(ann, "tables", "people").hits] == [bob.id]
    account_data.delete_account(bob, PASSWORD)
    assert found(ann, "tables", "people").hits == []
    assert found(ann, "bob", "people").hits == []


def test_people_and_rooms_by_name_and_description(people):
    ann, bob = people
    room = conversations.create_room(ann, "Gardening", description="Tomatoes and roses")
    result = found(bob, "tomatoes")
    assert [(h.kind, h.id) for h in result.hits] == [("room", room.id)]
    assert result.facets == every_facet(room=1)
    assert [h.id for h in found(bob, "ann", "people").hits] == [ann.id]


def test_snippets_mark_matches_and_escape_everything_else(people):
    ann, bob = people
    group = group_of(ann, bob)
    sent_message(ann, group.id, 'look & see <script>alert("x")</script>')
    (hit,) = found(bob, "alert").hits
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<mark>alert</mark>" in hit.snippet_html
    assert "&amp;" in hit.snippet_html


def test_pages_follow_the_cursor_across_kinds(people):
    ann, bob = people
    group = group_of(ann, bob, name="Kiwi fans")
    for number in range(search.PAGE_SIZE + 3):
        sent_message(ann, group.id, f"kiwi number {number}")
    first = found(bob, "kiwi")
    assert first.facets == every_facet(room=1, message=search.PAGE_SIZE + 3)
    assert [h.kind for h in first.hits][:2] == ["room", "message"]
    assert len(first.hits) == search.PAGE_SIZE
    second = found(bob, "kiwi", cursor=first.next_cursor)
    assert len(second.hits) == 4
    assert second.next_cursor is None
    assert not {h.id for h in second.hits} & {h.id for h in first.hits if h.kind == "message"}
    assert second.groups[0][1] is False  # the messages went on from the first page


def test_counts_hold_on_pages_that_show_none_of_a_kind(people):
    """Messages are counted by their page's own statement; a page filled before them, or
    one past all of them, still counts every kind."""
    ann, bob = people
    for number in range(search.PAGE_SIZE + 2):
        conversations.create_room(ann, f"Pear room {number}")
    group = group_of(ann, bob)
    for number in range(3):
        sent_message(ann, group.id, f"pear number {number}")
    for number in range(search.PAGE_SIZE):
        posts.create(ann, f"pear post {number}", audience="public")
    counts = {"room": search.PAGE_SIZE + 2, "message": 3, "post": search.PAGE_SIZE}
    pages = [found(bob, "pear")]
    while pages[-1].next_cursor:
        pages.append(found(bob, "pear", cursor=pages[-1].next_cursor))
    assert [{k: n for k, n in page.facets.items() if n} for page in pages] == [counts] * 3
    assert [[h.kind for h in page.hits] for page in pages] == [
        ["room"] * search.PAGE_SIZE,
        ["room"] * 2 + ["message"] * 3 + ["post"] * (search.PAGE_SIZE - 5),
        ["post"] * 5,
    ]
    past_messages = found(bob, "pear", cursor=search_hits.cursor_at(search.PAGE_SIZE + 6))
    assert past_messages.facets["message"] == 3
    assert [h.kind for h in past_messages.hits] == ["post"] * (search.PAGE_SIZE - 1)


@pytest.fixture
def people_on_postgresql(tmp_path, postgres):
    with running(tmp_path, SQLALCHEMY_DATABASE_URI=postgres.create_database()):
        yield accounts.register("ann", PASSWORD), accounts.register("bob", PASSWORD)


def test_a_common_word_is_matched_from_the_searchers_conversations(
    people_on_postgresql, monkeypatch
):
    """On PostgreSQL a word in far more of the site's messages than the searcher's
    conversations hold is matched by reading those conversations' messages (as the
    planner's statistics tell), and finds just what the word's index finds."""
    ann, bob = people_on_postgresql
    eve = accounts.register("eve", PASSWORD)
    orchard = group_of(ann, bob, name="Orchard")
    for number in range(5):
        sent_message(ann, orchard.id, f"apricot jam {number}")
    sent_message(ann, orchard.id, "quince paste")
    for number in range(19):
        elsewhere = conversations.create_group(eve, f"Elsewhere {number}", [ann.username])
        for _ in range(5):
            sent_message(eve, elsewhere.id, "apricot tart")
    db.session.execute(text("ANALYZE messages"))
    db.session.commit()
    monkeypatch.setattr(search_engines, "_STATISTICS", {})
    assert search_engines.rows_first(MESSAGES, ["apricots"], [orchard.id])
    assert not search_engines.rows_first(MESSAGES, ["quince"], [orchard.id])
    assert not search_engines.rows_first(MESSAGES, ["apricot"], list(range(1, 21)))
    statements = []
    listener = lambda _c, _k, statement, *_rest: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    from_rows = found(bob, "apricot")
    event.remove(db.engine, "before_cursor_execute", listener)
    assert any("ts_match_vq" in statement for statement in statements)
    monkeypatch.setattr(search_engines, "rows_first", lambda *_args: False)
    from_index = found(bob, "apricot")
    assert from_rows.facets["message"] == from_index.facets["message"] == 5
    assert [h.id for h in from_rows.hits] == [h.id for h in from_index.hits]
    assert {h.conversation_id for h in from_rows.hits} == {orchard.id}


def test_permissions_strangers_blocks_and_private_groups(people):
    ann, bob = people
    eve = accounts.register("eve", PASSWORD)
    group = group_of(ann, bob, name="Quiet circle", description="walnut")
    sent_message(ann, group.id, "walnut cake recipe")
    public = conversations.create_room(bob, "Walnut lovers")
    in_public = sent_message(bob, public.id, "walnut bread")
    assert found(eve, "walnut").facets == every_facet(room=1, message=1)
    assert ids(eve, f"walnut in:{group.id}") == []
    assert ids(eve, "from:ann") == []
    social.block(bob, "eve")
    assert found(eve, "walnut").facets == every_facet(room=1)
    assert found(eve, "bob", "people").hits == []
    assert found(bob, "eve", "people").hits == []
    assert ids(bob, "walnut") != []
    assert in_public.id in ids(ann, "walnut")


def places(viewer, text):
    """The conversations a search by `viewer` reads messages under (None: every one), and
    whether every public room's too, by their shared key."""
    values = search._values(viewer, search_query.parse(text), ("message",))
    return values["keys"], values["shared"]


def test_messages_are_read_under_the_searchers_conversations_only(people):
    ann, bob = people
    eve = accounts.register("eve", PASSWORD)
    group = group_of(ann, bob)
    theirs = conversations.create_group(ann, "Not for bob", [eve.username])
    public = conversations.create_room(eve, "Open room")
    conversations.create_room(eve, "Hidden room", visibility="private")
    keys, shared = places(bob, "kiwi")
    assert set(keys) | ({public.id} if shared else set()) == {group.id, public.id}
    assert shared == (db.engine.dialect.name == "sqlite")
    assert places(bob, f"kiwi in:{group.id}") == ([group.id], False)
    assert places(bob, f"kiwi in:{theirs.id}") == ([], False)
    sent_message(ann, group.id, "hello")
    assert places(bob, "kiwi from:ann")[0] == [group.id]


def test_one_searchers_statement_serves_the_next_by_their_own_rights(people):
    ann, bob = people
    eve = accounts.register("eve", PASSWORD)
    secret = sent_message(ann, group_of(ann, bob).id, "damson gin")
    for query in ("damson", "damson from:ann", "damson after:2000-01-01"):
        assert ids(bob, query) == [secret.id]
        assert ids(eve, query) == []
        assert found(eve, query).facets["message"] == 0
        assert ids(ann, query) == [secret.id]


def test_a_room_that_turns_public_or_private_is_searched_as_it_is_now(people):
    ann, _bob = people
    eve = accounts.register("eve", PASSWORD)
    room = conversations.create_room(ann, "Turning room", visibility="private")
    said = sent_message(ann, room.id, "tamarind chutney")
    assert ids(eve, "tamarind") == []

    def made(visibility: str) -> None:
        db.session.execute(
            update(Conversation).where(Conversation.id == room.id).values(visibility=visibility)
        )
        db.session.commit()

    made("public")
    assert ids(eve, "tamarind") == [said.id]
    made("private")
    assert ids(eve, "tamarind") == []
    assert ids(ann, "tamarind") == [said.id]


def test_a_number_is_searched_as_text_not_as_a_conversation(people):
    ann, bob = people
    first = group_of(ann, bob)
    second = group_of(ann, bob, name="Second")
    naming = sent_message(ann, first.id, f"meet in room {second.id} at noon")
    sent_message(ann, second.id, "nothing numbered here")
    assert ids(bob, str(second.id)) == [naming.id]


def test_past_the_listed_conversations_the_words_are_read_first(people, monkeypatch):
    ann, bob = people
    first = sent_message(ann, group_of(ann, bob).id, "quince paste")
    second = sent_message(ann, group_of(ann, bob, name="Second").id, "quince tart")
    keyed = ids(bob, "quince")
    monkeypatch.setattr(search, "KEYED_MOST", 1)
    assert places(bob, "quince")[0] is None
    assert ids(bob, "quince") == keyed
    assert set(keyed) == {first.id, second.id}
    eve = accounts.register("eve", PASSWORD)
    assert ids(eve, "quince") == []


@pytest.mark.parametrize(
    "query", ["", "   ", "x" * 201, "after:yesterday", "kind:planets", "from:", "kind:people"]
)
def test_bad_queries_are_refused_in_words(people, query):
    ann, _bob = people
    with pytest.raises(ValidationError) as refused:
        found(ann, query)
    assert refused.value.field in ("q", "kind")


def test_a_bad_cursor_is_refused(people):
    ann, _bob = people
    with pytest.raises(ValidationError):
        found(ann, "anything", cursor="page-two")


def test_reindex_rebuilds_what_the_database_holds(people):
    ann, bob = people
    group = group_of(ann, bob)
    message = sent_message(ann, group.id, "persimmon season")
    search_index.rebuild()
    assert ids(bob, "persimmon") == [message.id]


def test_the_conversation_key_migrates_down_and_up_with_the_messages(people):
    ann, bob = people
    group = group_of(ann, bob)
    message = sent_message(ann, group.id, "loquat syrup")
    folder = str(Path(__file__).resolve().parents[2] / "migrations")
    db.session.commit()
    migrate.downgrade(directory=folder, revision="d1f3a5c7e9b2")
    migrate.upgrade(directory=folder)
    assert ids(bob, "loquat") == [message.id]
    assert ids(bob, f"loquat in:{group.id}") == [message.id]
    eve = accounts.register("eve", PASSWORD)
    assert ids(eve, "loquat") == []


def test_the_reindex_command_says_what_it_indexed(engine_app, people):
    ann, bob = people
    sent_message(ann, group_of(ann, bob).id, "medlar jelly")
    result = engine_app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert (
        result.output.strip()
        == "Search index rebuilt: person 2, room 1, message 1, post 0, playlist 0, clip 0, "
        "party 0, comment 0."
    )
    assert ids(bob, "medlar") != []

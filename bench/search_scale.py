"""Search at scale: 10,000 people, 10,000 conversations, 1,000,000 messages, on SQLite and
on PostgreSQL.

    .venv/bin/python bench/search_scale.py                 # both engines, full size
    .venv/bin/python bench/search_scale.py --scale 0.01    # 10,000 messages: under a minute
    .venv/bin/python bench/search_scale.py --database sqlite

For each engine, a fresh database built by the migrations (SQLite: a file in a temporary
instance folder; PostgreSQL: a throwaway cluster started by tests/support/postgres.py),
the rows inserted in bulk with the messages' index off, then the index built by the
`search reindex` path (`services.search_index.rebuild`), timed. The searcher is a member
of 50 of the conversations (each holds 10 people and 100 messages; 100 others are public
rooms). Message bodies draw 6 to 16 words from a vocabulary of 20,000 made-up words with
Zipf's law, so word 5 is in about one message in five and word 19,000 in a handful.

Then:
- the latency of `services.search.search(searcher, query)` for a mix of queries (a common
  word, a rare word, two words, `from:`, `in:` with a word), each 30 times after 3 of
  warm-up: p50, p95, max; target p95 < 50 ms;
- the CPU time of one `services.messages.send` with the messages' index on and off (the
  SQLite triggers dropped, or the PostgreSQL GIN index and stored `tsvector` dropped),
  in blocks of `--sends`, on then off, `--rounds` times, their medians compared: this
  process's CPU, plus on PostgreSQL the CPU of every server process, and the GIN index's
  pending list merged (`gin_clean_pending_list`) inside the window so its deferred cost
  counts; target under 20% added.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from scale_support import bulk_insert, elapsed, make_app, row, summary, timings_ms

PEOPLE = 10_000
CONVERSATIONS = 10_000
MESSAGES = 1_000_000
MEMBERS = 10
SEARCHER_IN = 50
PUBLIC_ROOMS = 100
VOCABULARY = 20_000
TARGET_MS = 50.0
ADDED_TARGET = 0.20
_CONSONANTS, _VOWELS = "bdfgklmnprstvz", "aeiou"


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """Made-up words of three syllables, distinct, none an English stop word."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(3)))
    return sorted(words, key=lambda word: rng.random())


class Sizes:
    def __init__(self, scale: float) -> None:
        self.people = max(200, int(PEOPLE * scale))
        self.conversations = max(SEARCHER_IN + PUBLIC_ROOMS + 10, int(CONVERSATIONS * scale))
        self.messages = max(1000, int(MESSAGES * scale))


# -- seeding ------------------------------------------------------------------------------
def seed(app, sizes: Sizes, words: list[str], rng: random.Random) -> dict[int, list[int]]:
    """People, conversations, memberships and messages; each conversation's members."""
    from extensions import db
    from models.clock import utcnow
    from models.conversation import Conversation, Membership
    from models.user import User

    now = utcnow()
    people = range(1, sizes.people + 1)  # ids in insertion order; the searcher is 1
    conversations = range(1, sizes.conversations + 1)
    public = set(conversations[-PUBLIC_ROOMS:])
    members = {c: rng.sample(people[1:], MEMBERS) for c in conversations}
    for c in conversations[:SEARCHER_IN]:
        members[c][0] = 1
    with app.app_context():
        bulk_insert(
            User,
            (
                {
                    "username": f"person{i:05d}",
                    "password_hash": "!",
                    "role": "user",
                    "session_epoch": 0,
                    "created_at": now - timedelta(days=400),
                    "display_name": f"Person {i}",
                    "bio": "",
                    "avatar_color": i % 8,
                    "ban_reason": "",
                }
                for i in people
            ),
        )
        bulk_insert(
            Conversation,
            (
                {
                    "kind": "room" if c in public else "group",
                    "name": f"Group {c}",
                    "description": "",
                    "category": "general",
                    "visibility": "public" if c in public else "private",
                    "member_limit": 1000,
                    "created_by": members[c][0],
                }
                for c in conversations
            ),
        )
        bulk_insert(
            Membership,
            (
                {"conversation_id": c, "user_id": u, "role": "member", "last_read_message_id": 0}
                for c in conversations
                for u in members[c]
            ),
        )
        _without_message_index()
        _messages(sizes, members, words, rng, now)
        db.session.commit()
    return members


def _without_message_index() -> None:
    """The messages' index goes before the bulk load; `rebuild` builds it afterwards."""
    from sqlalchemy import text

    from extensions import db
    from models.search_schema import MESSAGES, drop_postgres_indexes, sqlite_drop

    if db.engine.dialect.name == "sqlite":
        statements = sqlite_drop(MESSAGES)
    else:
        statements = drop_postgres_indexes((MESSAGES,))
    for statement in statements:
        db.session.execute(text(statement))


def _messages(sizes: Sizes, members, words, rng: random.Random, now) -> None:
    from extensions import db
    from models.conversation import Message

    start, step = now - timedelta(days=365), timedelta(days=365) / sizes.messages
    weights = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
    lengths = [rng.randint(6, 16) for _ in range(997)]

    def rows():
        for n in range(sizes.messages):
            conversation = n % sizes.conversations + 1
            body = rng.choices(words, cum_weights=weights, k=lengths[n % 997])
            yield (
                conversation,
                rng.choice(members[conversation]),
                " ".join(body),
                start + step * n,
            )

    if db.engine.dialect.name == "postgresql":
        columns = "conversation_id, sender_id, body, created_at, kind"
        cursor = db.session.connection().connection.driver_connection.cursor()
        with cursor.copy(f"COPY messages ({columns}) FROM STDIN") as copy:
            for values in rows():
                copy.write_row((*values, "text"))
        return
    names = ("conversation_id", "sender_id", "body", "created_at")
    bulk_insert(Message, ({**dict(zip(names, v, strict=True)), "kind": "text"} for v in rows()))


def reindex(app) -> tuple[float, dict[str, int]]:
    """`flask search reindex`'s work, timed; then the planner's statistics (PostgreSQL),
    or the write-ahead log folded into the file (SQLite): a site that keeps writing
    resets its log, while a bench that only reads after a bulk load would read every page
    through a log of hundreds of megabytes."""
    from sqlalchemy import text

    from extensions import db
    from services import search_index

    with app.app_context():
        started = time.perf_counter()
        counts = search_index.rebuild()
        took = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        else:
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                busy = c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
            assert not busy, "the write-ahead log could not be folded in"
    return took, counts


# -- measuring ----------------------------------------------------------------------------
def queries(words: list[str], members: dict[int, list[int]]) -> list[tuple[str, str]]:
    partner = next(u for u in members[1] if u != 1)
    return [
        ("common word", words[4]),
        ("rare word", words[19_000 % len(words)]),
        ("two words", f"{words[30]} {words[120]}"),
        ("`from:` alone", f"from:person{partner:05d}"),
        ("`from:` and a word", f"from:person{partner:05d} {words[4]}"),
        ("`in:` and a word", f'in:"Group 7" {words[60]}'),
    ]


def search_latency(app, words, members, times: int) -> tuple[list[str], list[float]]:
    from extensions import db
    from models.user import User
    from services import search

    lines, every = [], []
    with app.app_context():
        searcher = db.session.get(User, 1)
        for name, query in queries(words, members):
            found = search.search(searcher, query)
            label = f"{name}: `{query}` ({sum(found.facets.values()):,} found)"
            taken = timings_ms(lambda q=query: search.search(searcher, q), times, 3)
            every += taken
            lines.append(row(label, taken, TARGET_MS))
        db.session.remove()
    return lines, every


def _index_switch(app, on: bool) -> None:
    from sqlalchemy import text

    from extensions import db
    from models.search_schema import (
        MESSAGES,
        drop_postgres_indexes,
        postgres_indexes,
        sqlite_create,
    )

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            triggers = sqlite_create(MESSAGES)[1:4]
            names = [f"{MESSAGES.index}_{when}" for when in ("insert", "update", "delete")]
            statements = triggers if on else [f"DROP TRIGGER {name}" for name in names]
        elif on:
            statements = postgres_indexes((MESSAGES,))
        else:
            statements = drop_postgres_indexes((MESSAGES,))
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()


def _server_cpu(postgres) -> float:
    from writes import children_of, process_cpu_s

    if postgres is None:
        return 0.0
    postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
    return process_cpu_s([postmaster, *children_of(postmaster)])


def send_block(app, postgres, words, sends: int, counter: itertools.count) -> float:
    """CPU µs per `messages.send` over `sends` sends by the searcher, as writes.py sends."""
    from sqlalchemy import text

    from extensions import db
    from models.user import User
    from services.messages import send

    with app.app_context():
        has_index = postgres is not None and db.session.scalar(
            text("SELECT to_regclass('ix_search_messages') IS NOT NULL")
        )
        db.session.remove()
    rng = random.Random(7)  # noqa: S311  (the same bodies every run)
    cpu, server = time.process_time(), _server_cpu(postgres)
    for _ in range(sends):
        n = next(counter)
        with app.app_context():
            actor = db.session.get(User, 1)
            send(actor, n % SEARCHER_IN + 1, " ".join(rng.choices(words[:2000], k=10)))
            db.session.remove()
    if has_index:  # the GIN index's pending list, merged now rather than by autovacuum later
        with app.app_context():
            db.session.execute(text("SELECT gin_clean_pending_list('ix_search_messages')"))
            db.session.commit()
    spent = time.process_time() - cpu + _server_cpu(postgres) - server
    return spent / sends * 1e6


def send_cost(app, postgres, words, sends: int, rounds: int) -> list[str]:
    """Blocks with the index on and off, alternating `rounds` times (on a shared machine
    one pair of blocks moves with whatever else runs); the medians compared."""
    counter = itertools.count()
    send_block(app, postgres, words, max(50, sends // 10), counter)  # warm-up
    on, off, rebuilt = [], [], []
    for _ in range(rounds):
        on.append(send_block(app, postgres, words, sends, counter))
        _index_switch(app, on=False)
        off.append(send_block(app, postgres, words, sends, counter))
        started = time.perf_counter()
        _index_switch(app, on=True)
        rebuilt.append(time.perf_counter() - started)
    added = statistics.median(on) / statistics.median(off) - 1
    verdict = "yes" if added < ADDED_TARGET else "NO"
    return [
        f"CPU µs per send, index on: {statistics.median(on):,.0f} "
        f"({', '.join(f'{v:,.0f}' for v in on)}); off: {statistics.median(off):,.0f} "
        f"({', '.join(f'{v:,.0f}' for v in off)}); added: {added:+.1%} "
        f"(target < 20%: {verdict}). {sends:,} sends per block, {rounds} rounds; the index "
        f"put back in {statistics.median(rebuilt):.1f} s."
    ]


def run(engine: str, sizes: Sizes, times: int, sends: int, rounds: int) -> None:
    rng = random.Random(20261201)  # noqa: S311  (the same rows every run)
    words = vocabulary(VOCABULARY, rng)
    postgres = None
    with tempfile.TemporaryDirectory(prefix="tandem-search-scale-") as folder:
        try:
            url = None
            if engine == "postgresql":
                from tests.support.postgres import PostgresServer

                postgres = PostgresServer().start()
                url = postgres.create_database()
            started = time.perf_counter()
            app = make_app(Path(folder), url)
            members = seed(app, sizes, words, rng)
            loaded = elapsed(started)
            took, counts = reindex(app)
            print(f"\n### {engine}\n")
            print(
                f"Loaded {sizes.people:,} people, {sizes.conversations:,} conversations and "
                f"{sizes.messages:,} messages in {loaded} (index off); built the index by "
                f"`search reindex` in {took:.1f} s ({counts['message']:,} messages).\n"
            )
            lines, every = search_latency(app, words, members, times)
            print("| query | p50 ms | p95 ms | max ms | p95 < 50 ms |")
            print("|---|---:|---:|---:|---|")
            print("\n".join(lines))
            overall = summary(every)
            print(f"\nAll queries: p50 {overall['p50']:.1f} ms, p95 {overall['p95']:.1f} ms.\n")
            print("\n".join(send_cost(app, postgres, words, sends, rounds)))
            with app.app_context():
                from extensions import db

                db.engine.dispose()
        finally:
            if postgres is not None:
                postgres.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of 1,000,000 messages")
    parser.add_argument("--database", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--times", type=int, default=30, help="runs of each query")
    parser.add_argument("--sends", type=int, default=1000, help="sends per block")
    parser.add_argument("--rounds", type=int, default=3, help="pairs of blocks, on then off")
    args = parser.parse_args()
    sizes = Sizes(args.scale)
    engines = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for engine in engines:
        run(engine, sizes, args.times, args.sends, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())

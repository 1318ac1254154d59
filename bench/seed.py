"""Build the benchmark's database: Tandem's schema (from its migrations) and the people,
tokens, parties, groups and follows every scenario uses, written directly.

Registration is rate limited and hashes a password per account; thousands of accounts
are inserted in bulk instead, with one shared password hash and API tokens hashed the
way `services.accounts` does (SHA-256 of the raw token). The Node peer opens a copy of
the same file, so both servers start from identical rows.

    python bench/seed.py --instance DIR --layout layout.json [--users 5000]
    python bench/seed.py ... --database-url postgresql://...   # another (empty) database

Run from the project root with the project's virtualenv.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTY_SIZES = (100, 1000)
GROUPS = 200
GROUP_SIZE = 10
MEDIA_URL = "https://media.invalid/bench/film.mp4"


def build_layout(users: int) -> dict:
    """Which user ids play which part. Ids are 1..users in insertion order."""
    needed = sum(size + 1 for size in PARTY_SIZES) + GROUPS * (GROUP_SIZE + 1)
    if users < needed:
        raise SystemExit(f"--users must be at least {needed}")
    ids = iter(range(1, users + 1))
    parties = {}
    for size in PARTY_SIZES:
        host = next(ids)
        parties[str(size)] = {"host": host, "viewers": [next(ids) for _ in range(size)]}
    groups = [[next(ids) for _ in range(GROUP_SIZE)] for _ in range(GROUPS)]
    # One "churner" per group: they come and go, and the group's members follow them,
    # so each arrival and departure is a presence event for ten people.
    churners = [next(ids) for _ in range(GROUPS)]
    return {"parties": parties, "groups": groups, "churners": churners, "users": users}


def seed(instance: Path, layout: dict, database_url: str | None = None) -> dict:
    """Into `database_url`, or the instance folder's SQLite file without one."""
    os.environ["TANDEM_INSTANCE_PATH"] = str(instance)
    os.environ.setdefault("TANDEM_ENV", "production")
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))

    from flask_migrate import upgrade
    from sqlalchemy import insert, text
    from werkzeug.security import generate_password_hash

    from app import create_app
    from extensions import db
    from models.clock import utcnow
    from models.conversation import Conversation, Membership
    from models.party import Participant, Party
    from models.social import Follow
    from models.user import ApiToken, User
    from services.api_tokens import TOKEN_PREFIX

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        now = utcnow()
        password_hash = generate_password_hash(secrets.token_urlsafe(16), method="scrypt")
        count = layout["users"]
        db.session.execute(
            insert(User),
            [
                {
                    "id": i,
                    "username": f"bench{i:05d}",
                    "password_hash": password_hash,
                    "role": "user",
                    "session_epoch": 0,
                    "created_at": now,
                    "display_name": f"Bench {i}",
                    "bio": "",
                    "avatar_color": i % 8,
                    "ban_reason": "",
                }
                for i in range(1, count + 1)
            ],
        )
        tokens = {}
        rows = []
        for i in range(1, count + 1):
            raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
            tokens[i] = raw
            rows.append(
                {
                    "user_id": i,
                    "token_hash": hashlib.sha256(raw.encode()).hexdigest(),
                    "created_at": now,
                }
            )
        db.session.execute(insert(ApiToken), rows)

        used_codes: set[str] = set()
        alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
        for size, party in layout["parties"].items():
            code = ""
            while not code or code in used_codes:
                code = "".join(secrets.choice(alphabet) for _ in range(6))
            used_codes.add(code)
            row = Party(
                code=code,
                title=f"Bench party of {size}",
                description="",
                host_id=party["host"],
                visibility="public",
                # Seeded past the API's cap of 1,000 so the party holds 1,000 viewers
                # and its host.
                max_participants=len(party["viewers"]) + 1,
                status="live",
                started_at=now,
                media_url=MEDIA_URL,
                playing=True,
                position=0.0,
                rate=1.0,
                at=time.time(),
                version=0,
            )
            db.session.add(row)
            db.session.flush()
            party["id"] = row.id
            db.session.execute(
                insert(Participant),
                [
                    {
                        "party_id": row.id,
                        "user_id": user_id,
                        "role": "host" if user_id == party["host"] else "viewer",
                        "status": "active",
                        "joined_at": now,
                        "requested_at": now,
                    }
                    for user_id in [party["host"], *party["viewers"]]
                ],
            )

        conversation_ids = []
        for number, members in enumerate(layout["groups"], start=1):
            conversation = Conversation(
                kind="group",
                name=f"Bench group {number}",
                description="",
                category="general",
                visibility="private",
                member_limit=1000,
                created_by=members[0],
            )
            db.session.add(conversation)
            db.session.flush()
            conversation_ids.append(conversation.id)
            db.session.execute(
                insert(Membership),
                [
                    {
                        "conversation_id": conversation.id,
                        "user_id": user_id,
                        "role": "owner" if index == 0 else "member",
                        "joined_at": now,
                        "last_read_message_id": 0,
                    }
                    for index, user_id in enumerate(members)
                ],
            )
        db.session.execute(
            insert(Follow),
            [
                {"follower_id": member, "followee_id": churner, "created_at": now}
                for churner, members in zip(layout["churners"], layout["groups"], strict=True)
                for member in members
            ],
        )
        if db.engine.dialect.name == "postgresql":
            # Users were inserted with their ids: the sequence must start after them.
            db.session.execute(
                text("SELECT setval(pg_get_serial_sequence('users', 'id'), :last)"), {"last": count}
            )
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()

    layout["conversations"] = conversation_ids
    layout["tokens"] = {str(user_id): raw for user_id, raw in tokens.items()}
    return layout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--layout", type=Path, required=True, help="where to write the layout")
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--database-url", help="default: tandem.db in the instance folder")
    args = parser.parse_args()
    args.instance.mkdir(parents=True, exist_ok=True)
    layout = seed(args.instance, build_layout(args.users), args.database_url)
    args.layout.write_text(json.dumps(layout))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The feed at scale: 100,000 posts by 2,000 authors, one viewer who follows 500 of them.

    .venv/bin/python bench/feed_scale.py               # full size: a few minutes
    .venv/bin/python bench/feed_scale.py --scale 0.01  # 1,000 posts by 20 authors: seconds

The embedded default: the application from `create_app()` with the default profile, its
SQLite file in a temporary instance folder, built by the migrations. Rows are inserted in
bulk (Core executemany in one transaction), past the services. Requests go through the
Flask test client in this process (no server, no network): the home page `GET /` signed
in with the session cookie of a real sign-in, and `GET /api/v1/feed` with a bearer
token. Each is timed over 200 requests after 20 of warm-up; p50, p95 and max in ms are
printed as a Markdown table, with whether p95 is under the 100 ms target.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from scale_support import bulk_insert, elapsed, make_app, row, timings_ms

POSTS = 100_000
AUTHORS = 2_000
FOLLOWED = 500
TARGET_MS = 100.0
PASSWORD = "feed-scale-viewer"  # noqa: S105  (a throwaway account's)
WORDS = [
    "film",
    "night",
    "popcorn",
    "trailer",
    "remake",
    "sequel",
    "director",
    "soundtrack",
    "scene",
    "review",
    "cast",
    "premiere",
    "festival",
    "documentary",
    "subtitles",
    "classic",
    "weekend",
    "cinema",
    "ending",
    "plot",
]
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def seed(app, posts: int, authors: int, followed: int, rng: random.Random) -> int:
    """The people, follows, blocks, posts and likes; the viewer's id."""
    from werkzeug.security import generate_password_hash

    from extensions import db
    from models.clock import utcnow
    from models.post import Post, PostLike
    from models.social import Block, Follow
    from models.user import User

    now = utcnow()
    with app.app_context():
        viewer_hash = generate_password_hash(PASSWORD)
        people = [
            {
                "username": "viewer" if i == 0 else f"author{i:05d}",
                "password_hash": viewer_hash if i == 0 else "!",
                "role": "user",
                "session_epoch": 0,
                "created_at": now - timedelta(days=400),
                "display_name": f"Author {i}",
                "bio": "",
                "avatar_color": i % 8,
                "ban_reason": "",
            }
            for i in range(authors + 1)
        ]
        bulk_insert(User, people)
        viewer, author_ids = 1, list(range(2, authors + 2))
        follows = rng.sample(author_ids, followed)
        friends = follows[: followed // 4]
        others = {
            (a, b) for a in author_ids for b in rng.sample(author_ids, min(20, authors)) if a != b
        }
        pairs = {(viewer, a) for a in follows} | {(a, viewer) for a in friends} | others
        bulk_insert(
            Follow, ({"follower_id": a, "followee_id": b, "created_at": now} for a, b in pairs)
        )
        strangers = [a for a in author_ids if a not in set(follows)]
        blocks = [(viewer, a) for a in strangers[:3]] + [(a, viewer) for a in follows[-3:]]
        bulk_insert(
            Block, ({"blocker_id": a, "blocked_id": b, "created_at": now} for a, b in blocks)
        )
        start = now - timedelta(days=60)
        step = timedelta(days=60) / posts
        audiences = rng.choices(("followers", "public", "friends"), (6, 3, 1), k=posts)
        bulk_insert(
            Post,
            (
                {
                    "author_id": rng.choice(author_ids),
                    "text": " ".join(rng.choices(WORDS, k=12)),
                    "audience": audiences[n],
                    "created_at": start + step * n,
                }
                for n in range(posts)
            ),
        )
        likes = {(rng.randint(1, posts), rng.choice(author_ids)) for _ in range(posts)}
        bulk_insert(PostLike, ({"post_id": p, "user_id": u, "created_at": now} for p, u in likes))
        db.session.commit()
    return viewer


def signed_in(app):
    """A test client signed in as the viewer through the sign-in form."""
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token, "the sign-in page carries no CSRF token"
    form = {"username": "viewer", "password": PASSWORD, "csrf_token": token.group(1)}
    answer = client.post("/login", data=form)
    assert answer.status_code == 302, f"signing in answered {answer.status_code}"
    return client


def bearer(app, viewer_id: int) -> dict[str, str]:
    from extensions import db
    from models.user import User
    from services import api_tokens

    with app.app_context():
        raw = api_tokens.issue_token(db.session.get(User, viewer_id))
    return {"Authorization": f"Bearer {raw}"}


def cases(app, viewer_id: int) -> list[tuple[str, Callable[[], None]]]:
    """The requests measured: a name and a call that makes one and checks its answer."""
    client, headers = signed_in(app), bearer(app, viewer_id)
    first = client.get("/api/v1/feed", headers=headers).get_json()
    assert first["posts"], "the viewer's feed is empty"
    older = first["next_cursor"]

    def get(url: str, **kwargs) -> Callable[[], None]:
        def call() -> None:
            answer = client.get(url, **kwargs)
            assert answer.status_code == 200, f"{url} answered {answer.status_code}"

        return call

    return [
        ("`GET /` signed in (20 posts)", get("/")),
        ("`GET /?tab=discover` signed in", get("/?tab=discover")),
        ("`GET /api/v1/feed` (100 posts)", get("/api/v1/feed", headers=headers)),
        ("`GET /api/v1/feed?limit=20`", get("/api/v1/feed?limit=20", headers=headers)),
        (
            "`GET /api/v1/feed?cursor=…` (page 2)",
            get(f"/api/v1/feed?cursor={older}", headers=headers),
        ),
    ]


def measure(app, viewer_id: int, requests: int, warmup: int) -> list[str]:
    lines = ["| request | p50 ms | p95 ms | max ms | p95 < 100 ms |", "|---|---:|---:|---:|---|"]
    for name, call in cases(app, viewer_id):
        lines.append(row(name, timings_ms(call, requests, warmup), TARGET_MS))
    return lines


def profile(app, viewer_id: int) -> None:
    """Where ten requests of each kind spend their time (pyinstrument, in the virtualenv)."""
    from pyinstrument import Profiler

    for name, call in cases(app, viewer_id):
        call()
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(10):
                call()
        print(f"## {name}")
        print(profiler.output_text(unicode=True, show_all=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of 100,000 posts (0.01: 1,000)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--instance", type=Path, help="keep the database here; reused when it is there"
    )
    parser.add_argument("--profile", action="store_true", help="pyinstrument each request")
    args = parser.parse_args()
    posts = max(100, int(POSTS * args.scale))
    authors = max(20, int(AUTHORS * args.scale))
    followed = max(5, int(FOLLOWED * args.scale))
    rng = random.Random(20261201)  # noqa: S311  (the same rows every run)
    with tempfile.TemporaryDirectory(prefix="tandem-feed-scale-") as folder:
        instance = args.instance or Path(folder)
        seeded = (instance / "tandem.db").exists()
        started = time.perf_counter()
        app = make_app(instance)
        viewer = 1 if seeded else seed(app, posts, authors, followed, rng)
        print(
            f"Seeded {posts:,} posts by {authors:,} authors, the viewer following "
            f"{followed:,}, in {elapsed(started)} (SQLite, Flask test client).\n",
            flush=True,
        )
        if args.profile:
            profile(app, viewer)
        else:
            for line in measure(app, viewer, args.requests, args.warmup):
                print(line, flush=True)
        with app.app_context():
            from extensions import db

            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

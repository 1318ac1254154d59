"""What the scale benches (bench/feed_scale.py, bench/search_scale.py) share: an application
on a fresh database built by the migrations, bulk inserts, and latency figures."""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHUNK = 20_000


def make_app(instance: Path, database_url: str | None = None):
    """The application as `python app.py` builds it (the default profile, settings from the
    environment), on the instance folder's SQLite file or `database_url`, migrated."""
    os.environ["TANDEM_INSTANCE_PATH"] = str(instance)
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    os.environ.pop("REDIS_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    from flask_migrate import upgrade

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def bulk_insert(table: Any, rows: Iterable[dict]) -> int:
    """Insert `rows` into `table` (a model or a Table) in chunks, one executemany each, in
    the session's transaction; how many were inserted."""
    from sqlalchemy import insert

    from extensions import db

    statement = insert(table)
    count, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            db.session.execute(statement, chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        db.session.execute(statement, chunk)
        count += len(chunk)
    return count


def timings_ms(call: Callable[[], object], times: int, warmup: int) -> list[float]:
    """Wall time of `times` calls of `call`, in ms, after `warmup` calls not counted."""
    for _ in range(warmup):
        call()
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        taken.append((time.perf_counter() - started) * 1000)
    return taken


def summary(taken: list[float]) -> dict[str, float]:
    """p50, p95 and max of a list of milliseconds."""
    ordered = sorted(taken)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


def row(name: str, taken: list[float], target_ms: float, key: str = "p95") -> str:
    """One Markdown table row: name, p50, p95, max, and whether `key` meets the target."""
    figures = summary(taken)
    verdict = "yes" if figures[key] < target_ms else "NO"
    return (
        f"| {name} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['max']:.1f} "
        f"| {verdict} |"
    )


def elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"

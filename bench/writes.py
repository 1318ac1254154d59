"""Durable writes through the service layer, no sockets: the benchmark's scenario (g).

    python bench/writes.py                      # PostgreSQL, 1 then 2 writers, 3 runs each
    python bench/writes.py --quick              # one short run each (under a minute)
    python bench/writes.py --database sqlite    # one SQLite file shared by the writers
    python bench/run.py --only g                # the same figures in the benchmark's table

Starts a throwaway PostgreSQL (tests/support/postgres.py, with PostgreSQL's own durability
settings) and redis-server (tests/support/processes.py), seeds users and groups with
bench/seed.py, then runs 1 and then 2 writer processes (this script with --writer). Each
writer patches with gevent as wsgi.py does, creates the app with the production profile,
REDIS_URL set and every rate limit raised, and for a fixed time calls
`services.messages.send` in a loop: one message per application context, as a
request would, then `db.session.remove()`. Prints a Markdown table and writes
bench/results/<timestamp>-writes-<database>[-quick].json. docs/performance.md says how to
read it.
"""

import sys

if __name__ == "__main__" and "--writer" in sys.argv:
    # A writer runs the service code as the server does: cooperative sockets first.
    from gevent import monkey

    monkey.patch_all()

import argparse
import contextlib
import json
import os
import secrets
import select
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable
UNTHROTTLED = "1000000 per second"
WRITER_COUNTS = (1, 2)
DATABASES = ("postgresql", "sqlite")
NO_LOCK = "no site-wide lock"


@dataclass(frozen=True)
class Plan:
    runs: int = 3
    warmup_s: float = 2.0
    duration_s: float = 8.0


FULL = Plan()
QUICK = Plan(runs=1, warmup_s=1.0, duration_s=3.0)


# -- the writer process ---------------------------------------------------------------------
@dataclass
class LockWaits:
    """Time spent between asking for the site-wide ordering lock and holding it."""

    note: str = ""
    seconds: float = 0.0
    count: int = 0
    depth: int = 0


def watch_lock_waits() -> LockWaits:
    """Wrap `realtime.ordering.OrderingLock.hold` to time each outermost hold from entering
    it to holding the lock. Without that lock (the module, the class or `bus.ordered`
    gone), there is nothing to wait for: zero, with a note saying so."""
    try:
        from realtime import ordering
        from realtime.bus import Bus
    except ImportError:
        return LockWaits(NO_LOCK)
    lock_class = getattr(ordering, "OrderingLock", None)
    if lock_class is None or not hasattr(lock_class, "hold") or not hasattr(Bus, "ordered"):
        return LockWaits(NO_LOCK)
    waits = LockWaits()
    original = lock_class.hold

    @contextlib.contextmanager
    def hold(self, *args, **kwargs):
        outermost = waits.depth == 0
        asked = time.perf_counter()
        with original(self, *args, **kwargs):
            if outermost:
                waits.seconds += time.perf_counter() - asked
                waits.count += 1
            waits.depth += 1
            try:
                yield
            finally:
                waits.depth -= 1

    lock_class.hold = hold
    return waits


def writer(spec_path: Path) -> int:
    """Send messages until told to stop; report what was measured as one JSON line."""
    spec = json.loads(spec_path.read_text())
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from extensions import db
    from models.user import User
    from services.messages import send

    waits = watch_lock_waits()
    app = create_app()
    groups = spec["groups"]  # [[conversation_id, [member ids]], ...], this writer's own
    counter = 0

    def send_one() -> float:
        nonlocal counter
        conversation, members = groups[counter % len(groups)]
        actor_id = members[(counter // len(groups)) % len(members)]
        with app.app_context():
            actor = db.session.get(User, actor_id)
            started = time.perf_counter()
            send(actor, conversation, f"bench write {spec['index']}-{counter}")
            took = time.perf_counter() - started
            db.session.remove()
        counter += 1
        return took

    send_one()  # connections, imports and caches warm before saying ready
    print(json.dumps({"ready": True}), flush=True)
    start_at, end_at = json.loads(sys.stdin.readline())
    while time.monotonic() < start_at:
        send_one()
    cpu, wall, waited, sent_before = time.process_time(), time.monotonic(), waits.seconds, counter
    latencies = []
    while time.monotonic() < end_at:
        latencies.append(send_one())
    elapsed = time.monotonic() - wall
    print(
        json.dumps(
            {
                "sends": counter - sent_before,
                "sends_total": counter,
                "elapsed_s": elapsed,
                "cpu_s": time.process_time() - cpu,
                "lock_wait_s": waits.seconds - waited,
                "lock_note": waits.note,
                "latencies_ms": [round(1000 * latency, 4) for latency in latencies],
            }
        ),
        flush=True,
    )
    return 0


# -- servers and databases ---------------------------------------------------------------------
def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def process_cpu_s(pids: list[int]) -> float:
    """utime + stime of these processes, in seconds (those gone count nothing)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds every process on the machine has used (and a VM's host has stolen)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
    return found


class Databases:
    """A seeded template, and a fresh copy of it for every run."""

    def __init__(self, kind: str, workdir: Path, postgres: Any = None) -> None:
        self.kind = kind
        self.workdir = workdir
        self.postgres = postgres
        self.counter = 0
        self.template = ""
        self.layout: dict[str, Any] = {}

    def seed(self) -> None:
        instance = self.workdir / "template"
        layout = self.workdir / "layout.json"
        command = [PYTHON, str(BENCH / "seed.py"), "--instance", str(instance)]
        command += ["--layout", str(layout)]
        if self.kind == "postgresql":
            self.template = self.postgres.create_database()
            command += ["--database-url", self.template]
        else:
            self.template = str(instance / "tandem.db")
        log = self.workdir / "seed.log"
        with log.open("w") as out:
            done = subprocess.run(  # noqa: S603
                command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False
            )
        if done.returncode:
            raise SystemExit(f"seeding the database failed:\n{tail(log)}")
        self.layout = json.loads(layout.read_text())

    def fresh(self, name: str) -> tuple[Path, str]:
        """An instance folder and the URL of a new copy of the seeded database."""
        self.counter += 1
        folder = self.workdir / f"{self.counter:02d}-{name}"
        folder.mkdir(parents=True)
        if self.kind == "sqlite":
            shutil.copyfile(self.template, folder / "tandem.db")
            return folder, f"sqlite:///{folder / 'tandem.db'}"
        import psycopg

        database = f"run_{self.counter:02d}"
        template = self.template.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        return folder, self.postgres.url(database)

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql://tandem@127.0.0.1:{self.postgres.port}/{database}"

    def count_events(self, url: str) -> int:
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
                return connection.execute("SELECT count(*) FROM stream_events").fetchone()[0]
        import psycopg

        with psycopg.connect(self.admin_url(url.rsplit("/", 1)[1])) as connection:
            return connection.execute("SELECT count(*) FROM stream_events").fetchone()[0]

    def server_pids(self) -> list[int]:
        """PostgreSQL's postmaster and every process it started (backends included)."""
        if self.kind != "postgresql":
            return []
        postmaster = int((self.postgres.data / "postmaster.pid").read_text().split()[0])
        return [postmaster, *children_of(postmaster)]


def rate_limit_settings() -> tuple[str, ...]:
    sys.path.insert(0, str(ROOT))
    from config import RATE_LIMIT_SETTINGS

    return RATE_LIMIT_SETTINGS


class Bench:
    def __init__(self, kind: str, plan: Plan, workdir: Path, redis: Any, postgres: Any) -> None:
        self.kind = kind
        self.plan = plan
        self.workdir = workdir
        self.redis = redis
        self.databases = Databases(kind, workdir, postgres)
        self.secret = secrets.token_hex(32)

    def env(self, instance: Path, database_url: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "FLASK_APP")
        }
        env.update(
            {
                "TANDEM_ENV": "production",
                "SECRET_KEY": self.secret,
                "TANDEM_INSTANCE_PATH": str(instance),
                "DATABASE_URL": database_url,
                "REDIS_URL": self.redis.url,
                "PYTHONUNBUFFERED": "1",
                **dict.fromkeys(rate_limit_settings(), UNTHROTTLED),
            }
        )
        return env

    def run(self, writers: int) -> dict[str, Any]:
        """One measured run of `writers` processes on a fresh copy of the database."""
        instance, url = self.databases.fresh(f"{writers}w")
        layout = self.databases.layout
        groups = list(zip(layout["conversations"], layout["groups"], strict=True))
        env = self.env(instance, url)
        children: list[tuple[subprocess.Popen, Path]] = []
        try:
            for index in range(writers):
                # Each writer has its own conversations: no two writers update one row, so
                # what they wait for is the site-wide lock, not each other's rows.
                spec = instance / f"writer-{index}.json"
                spec.write_text(json.dumps({"index": index, "groups": groups[index::writers]}))
                log = instance / f"writer-{index}.log"
                process = subprocess.Popen(  # noqa: S603
                    [PYTHON, str(Path(__file__).resolve()), "--writer", str(spec)],
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log.open("w"),
                    text=True,
                )
                children.append((process, log))
            for process, log in children:
                read_line(process, log, timeout=120)
            start_at = time.monotonic() + self.plan.warmup_s
            end_at = start_at + self.plan.duration_s
            for process, _log in children:
                process.stdin.write(json.dumps([start_at, end_at]) + "\n")
                process.stdin.flush()
            time.sleep(max(0.0, start_at - time.monotonic()))
            server_pids = [*self.databases.server_pids(), self.redis.process.pid]
            server_cpu, busy = process_cpu_s(server_pids), machine_busy_s()
            time.sleep(max(0.0, end_at - time.monotonic()))
            server_cpu = process_cpu_s(server_pids) - server_cpu
            busy = machine_busy_s() - busy
            reports = [
                read_line(process, log, timeout=60 + self.plan.duration_s)
                for process, log in children
            ]
            for process, _log in children:
                process.wait(timeout=30)
        finally:
            for process, _log in children:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)
        stored = self.databases.count_events(url)
        result = summarise(reports, stored, server_cpu)
        # Whatever else the machine ran meanwhile (other programs, a VM host's steal), in
        # cores' worth: a loaded machine makes every figure here worse.
        ours = server_cpu + sum(report["cpu_s"] for report in reports)
        result["other_load_cores"] = max(0.0, busy - ours) / self.plan.duration_s
        return result


def read_line(process: subprocess.Popen, log: Path, timeout: float) -> dict[str, Any]:
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else ""
    if not line:
        process.kill()
        raise SystemExit(f"a writer did not answer (exit {process.poll()}):\n{tail(log)}")
    return json.loads(line)


def summarise(reports: list[dict[str, Any]], stored: int, server_cpu: float) -> dict[str, Any]:
    sends = sum(report["sends"] for report in reports)
    latencies = sorted(ms for report in reports for ms in report["latencies_ms"])
    # Every send stores one durable event (message:new); the log says whether it did.
    per_send = stored / max(1, sum(report["sends_total"] for report in reports))
    per_writer = [per_send * report["sends"] / report["elapsed_s"] for report in reports]
    waited = sum(report["lock_wait_s"] for report in reports)
    return {
        "writers": len(reports),
        "sends": sends,
        "events_per_send": round(per_send, 4),
        "events_per_s": sum(per_writer),
        "per_writer_events_per_s": per_writer,
        "mean_ms": statistics.fmean(latencies) if latencies else None,
        "p99_ms": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        if latencies
        else None,
        "cpu_us_per_send": 1e6 * sum(report["cpu_s"] for report in reports) / max(1, sends),
        "server_cpu_us_per_send": 1e6 * server_cpu / max(1, sends),
        "lock_wait_us_per_send": 1e6 * waited / max(1, sends),
        "lock_wait_share": waited / max(1e-9, sum(report["elapsed_s"] for report in reports)),
        "lock_note": next((report["lock_note"] for report in reports if report["lock_note"]), ""),
    }


def measure(kind: str, plan: Plan, keep: bool = False) -> dict[str, Any]:
    """Every configuration, runs alternating (1 writer, 2 writers, 1, 2, ...) so a slow
    patch of the machine hits both alike."""
    sys.path.insert(0, str(ROOT))
    from tests.support.postgres import PostgresServer
    from tests.support.processes import RedisServer

    workdir = Path(tempfile.mkdtemp(prefix="tandem-writes-"))
    redis = postgres = None
    runs: dict[int, list[dict[str, Any]]] = {count: [] for count in WRITER_COUNTS}
    try:
        redis = RedisServer(workdir).start()
        if kind == "postgresql":
            # PostgreSQL's defaults: every commit waits for its WAL to reach the disk.
            postgres = PostgresServer(settings={"fsync": "on"}).start()
        bench = Bench(kind, plan, workdir, redis, postgres)
        bench.databases.seed()
        for number in range(plan.runs):
            for count in WRITER_COUNTS:
                result = bench.run(count)
                runs[count].append(result)
                print(
                    f"run {number + 1}/{plan.runs}, {count} writer(s): "
                    f"{result['events_per_s']:,.0f} events/s",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        if postgres is not None:
            postgres.stop()
        if redis is not None:
            redis.stop()
        if keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return {
        "database": kind,
        "plan": plan.__dict__,
        "cores": os.cpu_count(),
        "configs": {str(count): results for count, results in runs.items()},
    }


# -- reporting -------------------------------------------------------------------------------------
ROWS = (
    ("durable events/s", "higher", "events_per_s"),
    ("events/s per writer", "higher", "per_writer_events_per_s"),
    ("mean ms per send", "lower", "mean_ms"),
    ("p99 ms per send", "lower", "p99_ms"),
    ("writer CPU µs per send", "lower", "cpu_us_per_send"),
    ("database + Redis CPU µs per send", "lower", "server_cpu_us_per_send"),
    ("lock wait µs per send", "lower", "lock_wait_us_per_send"),
    ("share of time waiting for the lock %", "lower", "lock_wait_share"),
    ("other programs' CPU, cores", "lower", "other_load_cores"),
)
LABELS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def title(kind: str, writers: int) -> str:
    return f"(g) writes, {LABELS[kind]}, {writers} writer{'s' if writers > 1 else ''}"


def values(runs: list[dict[str, Any]], key: str) -> list[float | None]:
    """One value per run; a per-writer list becomes its mean, a share a percentage."""
    out = []
    for run in runs:
        value = run.get(key)
        if isinstance(value, list):
            value = statistics.fmean(value) if value else None
        if key == "lock_wait_share" and value is not None:
            value *= 100
        out.append(value)
    return out


def notes(result: dict[str, Any], writers: int) -> list[str]:
    marks = []
    runs = result["configs"][str(writers)]
    lock_notes = {run["lock_note"] for run in runs if run["lock_note"]}
    marks += sorted(lock_notes)
    if writers > 1 and (result["cores"] or 1) <= writers:
        marks.append(
            f"{writers} writers, the database and Redis share {result['cores']} cores: "
            "the second writer competes with them for CPU"
        )
    others = [run["other_load_cores"] for run in runs]
    if max(others) > 0.2:
        marks.append(
            "other programs used up to "
            f"{max(others):.1f} of the {result['cores']} cores during these runs"
        )
    bad = [run["events_per_send"] for run in runs if abs(run["events_per_send"] - 1) > 0.01]
    if bad:
        marks.append(f"durable events stored per send: {bad} (expected 1)")
    return marks


def figure_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """(scenario, figure, better, values per run, notes) for bench/run.py's table."""
    rows = []
    for writers in WRITER_COUNTS:
        runs = result["configs"][str(writers)]
        for index, (name, better, key) in enumerate(ROWS):
            rows.append(
                {
                    "scenario": title(result["database"], writers),
                    "figure": name,
                    "better": better,
                    "values": values(runs, key),
                    "notes": notes(result, writers) if index == 0 else [],
                }
            )
    return rows


def number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def spread(values_: list[float | None]) -> str:
    present = [v for v in values_ if v is not None]
    if not present:
        return "-"
    text = number(statistics.median(present))
    if len(present) > 1:
        text += f" ({number(min(present))}-{number(max(present))})"
    return text


def markdown(results: list[dict[str, Any]]) -> str:
    header = ["database", "writers", *(f"{n} {'↑' if b == 'higher' else '↓'}" for n, b, _ in ROWS)]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * len(ROWS)]
    marks = []
    for result in results:
        for writers in WRITER_COUNTS:
            runs = result["configs"][str(writers)]
            cells = [LABELS[result["database"]], str(writers)]
            for _name, _better, key in ROWS:
                if key == "per_writer_events_per_s":
                    each = zip(*(run[key] for run in runs), strict=True)
                    cells.append(" / ".join(spread(list(column)) for column in each))
                else:
                    cells.append(spread(values(runs, key)))
            lines.append("| " + " | ".join(cells) + " |")
            marks += [f"{title(result['database'], writers)}: {m}" for m in notes(result, writers)]
    runs = results[0]["plan"]["runs"] if results else 0
    text = "\n".join(lines)
    text += f"\n\nMedian of {runs} runs, (min-max) beside it." if runs > 1 else "\n\nOne run each."
    text += " ↑ higher is better, ↓ lower. Events per writer: one column per writer."
    if marks:
        text += "\n\n† " + "\n† ".join(dict.fromkeys(marks))
    return text


def main() -> int:
    if "--writer" in sys.argv:
        return writer(Path(sys.argv[sys.argv.index("--writer") + 1]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short run per configuration")
    parser.add_argument("--database", choices=(*DATABASES, "both"), default="postgresql")
    parser.add_argument("--runs", type=int, help="runs per configuration (3, 1 with --quick)")
    parser.add_argument("--seconds", type=float, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per run")
    parser.add_argument("--output", type=Path, help="where to write the results JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    plan = Plan(
        runs=args.runs or plan.runs,
        warmup_s=plan.warmup_s if args.warmup is None else args.warmup,
        duration_s=args.seconds or plan.duration_s,
    )
    kinds = DATABASES if args.database == "both" else (args.database,)
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results = [measure(kind, plan, args.keep) for kind in kinds]
    name = f"{stamp}-writes-{args.database}{'-quick' if args.quick else ''}.json"
    output = args.output or RESULTS / name
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "started_at": stamp,
                "quick": args.quick,
                "elapsed_s": round(time.monotonic() - started, 1),
                "results": results,
            },
            indent=1,
        )
        + "\n"
    )
    print(markdown(results))
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(f"\n{time.monotonic() - started:.0f} s; written to {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tandem side by side with a Node.js socket.io peer: same box, same run, same work.

    python bench/run.py            # every scenario, 5 runs each (about half an hour)
    python bench/run.py --quick    # a reduced version of every scenario (a few minutes)
    python bench/run.py --only a,f # some scenarios
    python bench/run.py --metrics-overhead   # (a) for Tandem alone, metrics off and on

Scenario (g), durable writes through the service layer without sockets, is
bench/writes.py (PostgreSQL and Redis of its own, no peer): its rows join the table.

Starts a redis-server, Tandem's real server (`app.py`, production profile, SQLite in a
temporary instance folder, rate limits raised) and the peer (bench/peer), and drives both
with one Node.js load generator (bench/loadgen) pinned to the other core. Prints a
Markdown table and writes bench/results/<timestamp>.json. docs/performance.md says how
to read each figure.

`--metrics-overhead` runs the fan-out scenario (a) against Tandem only, with the operator
metrics off and on (METRICS_TOKEN set, so every event is counted and timed), alternating
which goes first from run to run, and prints both side by side with the change.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PYTHON = sys.executable

LOADGEN_CORE = 0
SERVER_CORE = 1
# A second worker can only go on the load generator's core: the machine has two.
WORKER_CORES = (SERVER_CORE, LOADGEN_CORE)
UNTHROTTLED = "1000000 per second"
PARTY_KEPT_SECONDS = 24 * 3600
# Turns the operator metrics on (realtime/metrics.py); the bench scrapes with it.
METRICS_TOKEN = secrets.token_hex(16)
SCENARIOS = "abcdefg"


@dataclass(frozen=True)
class Plan:
    """How long and how big each scenario is."""

    runs: int
    warmup_ms: int
    duration_ms: int
    fanout_sizes: tuple[int, ...] = (100, 1000)
    fanout_rate: int = 10_000  # deliveries/s offered in (a)
    scale_viewers: int = 1000
    scale_rate: int = 2_000  # deliveries/s offered in (d) and (e)
    transport_viewers: int = 100
    longpoll_offered: int = 10_000
    chat_groups: int = 200
    typing_share: float = 0.2
    churn_per_s: float = 10.0
    idle_connections: int = 5000
    idle_settle_ms: int = 5000
    idle_ms: int = 20_000
    skew_viewers: int = 1000
    skew_seeks: int = 10
    skew_interval_ms: int = 2000
    skew_offset_ms: float = 50.0
    skew_pings: int = 5


FULL = Plan(runs=5, warmup_ms=2000, duration_ms=6000)
QUICK = Plan(
    runs=1,
    warmup_ms=800,
    duration_ms=2000,
    scale_viewers=200,
    chat_groups=100,
    idle_connections=1000,
    idle_settle_ms=1500,
    idle_ms=3000,
    skew_seeks=3,
)


# -- processes ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited with {process.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer /healthz within {timeout:.0f} s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def pinned(core: int | None, command: list[str]) -> list[str]:
    return command if core is None else ["taskset", "-c", str(core), *command]


@dataclass
class Child:
    process: subprocess.Popen
    log: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@dataclass
class Stack:
    """One side of the comparison: its worker processes and its redis-server, if any."""

    name: str
    urls: list[str] = field(default_factory=list)
    workers: list[Child] = field(default_factory=list)
    redis: Child | None = None

    def target(self, **extra: Any) -> dict[str, Any]:
        return {
            "name": self.name,
            "servers": self.urls,
            "server_pids": [worker.pid for worker in self.workers],
            "server_cores": [WORKER_CORES[i] for i in range(len(self.workers))],
            "redis_pids": [self.redis.pid] if self.redis else [],
            **extra,
        }

    def stop(self) -> None:
        for child in [*self.workers, *([self.redis] if self.redis else [])]:
            child.stop()


class Bench:
    def __init__(self, plan: Plan, workdir: Path) -> None:
        self.plan = plan
        self.workdir = workdir
        self.template: Path | None = None
        self.layout: dict[str, Any] = {}
        self.counter = 0
        self.redis_binary = shutil.which("redis-server")

    # -- setup ----------------------------------------------------------------------------
    def seed(self) -> None:
        instance = self.workdir / "template"
        layout = self.workdir / "layout.json"
        log = self.workdir / "seed.log"
        with log.open("w") as out:
            done = subprocess.run(  # noqa: S603
                [
                    PYTHON,
                    str(BENCH / "seed.py"),
                    "--instance",
                    str(instance),
                    "--layout",
                    str(layout),
                ],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode:
            raise SystemExit(f"seeding the database failed:\n{tail(log)}")
        self.template = instance / "tandem.db"
        self.layout = json.loads(layout.read_text())

    def fresh_database(self, name: str) -> Path:
        self.counter += 1
        folder = self.workdir / f"{self.counter:02d}-{name}"
        folder.mkdir(parents=True)
        database = folder / "tandem.db"
        shutil.copyfile(self.template, database)
        return database

    def token(self, user_id: int) -> str:
        return self.layout["tokens"][str(user_id)]

    # -- servers ----------------------------------------------------------------------------
    def start_redis(self, name: str) -> Child:
        port = free_port()
        log = self.workdir / f"redis-{name}-{port}.log"
        process = subprocess.Popen(  # noqa: S603
            pinned(
                SERVER_CORE,
                [
                    *(self.redis_binary, "--port", str(port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
                ],
            ),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"redis-server did not start:\n{tail(log)}") from None
                time.sleep(0.05)
        return Child(process, log, f"redis://127.0.0.1:{port}/0")

    def start_tandem(
        self, workers: int = 1, redis: bool = False, env_extra: dict[str, str] | None = None
    ) -> Stack:
        stack = Stack("tandem")
        database = self.fresh_database("tandem")
        if redis:
            stack.redis = self.start_redis("tandem")
        secret = secrets.token_hex(32)
        for index in range(workers):
            port = free_port()
            env = {
                key: value
                for key, value in os.environ.items()
                if key not in ("DATABASE_URL", "REDIS_URL", "FLASK_APP")
            }
            env.update(
                {
                    "TANDEM_ENV": "production",
                    "SECRET_KEY": secret,
                    "TANDEM_INSTANCE_PATH": str(database.parent),
                    "DATABASE_URL": f"sqlite:///{database}",
                    "HOST": "127.0.0.1",
                    "PORT": str(port),
                    "PYTHONUNBUFFERED": "1",
                    **dict.fromkeys(rate_limit_settings(), UNTHROTTLED),
                    # No page of a seeded party is open (the load generator's viewers
                    # only connect), so the party sweep would end each one five minutes
                    # after seeding, in the middle of a full run's later scenarios.
                    "PARTY_EMPTY_GRACE_SECONDS": str(PARTY_KEPT_SECONDS),
                }
            )
            if stack.redis is not None:
                env["REDIS_URL"] = stack.redis.url
            env.update(env_extra or {})
            log = database.parent / f"tandem-{port}.log"
            process = subprocess.Popen(  # noqa: S603
                pinned(WORKER_CORES[index], [PYTHON, "app.py"]),
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{port}"
            stack.workers.append(Child(process, log))
            stack.urls.append(url)
            wait_until_serving(url, process, log)
        return stack

    def start_peer(self, workers: int = 1, redis: bool = False) -> Stack:
        stack = Stack("peer")
        database = self.fresh_database("peer")
        if redis:
            stack.redis = self.start_redis("peer")
        for index in range(workers):
            port = free_port()
            command = ["node", str(BENCH / "peer" / "server.js"), "--port", str(port)]
            command += ["--db", str(database)]
            if stack.redis is not None:
                command += ["--redis", stack.redis.url]  # type: ignore[attr-defined]
            log = database.parent / f"peer-{port}.log"
            process = subprocess.Popen(  # noqa: S603
                pinned(WORKER_CORES[index], command),
                cwd=BENCH / "peer",
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{port}"
            stack.workers.append(Child(process, log))
            stack.urls.append(url)
            wait_until_serving(url, process, log)
        return stack

    # -- the load generator ------------------------------------------------------------------
    def loadgen(self, spec: dict[str, Any]) -> dict[str, Any]:
        spec = {"clk_tck": os.sysconf("SC_CLK_TCK"), "loadgen_core": LOADGEN_CORE, **spec}
        self.counter += 1
        path = self.workdir / f"spec-{self.counter:02d}-{spec['label']}.json"
        path.write_text(json.dumps(spec))
        done = subprocess.run(  # noqa: S603
            pinned(LOADGEN_CORE, ["node", str(BENCH / "loadgen" / "loadgen.js"), str(path)]),
            stdout=subprocess.PIPE,
            check=False,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"the load generator failed on {spec['label']} (see above)")
        return json.loads(done.stdout.strip().splitlines()[-1])

    @contextlib.contextmanager
    def stacks(
        self,
        workers: int = 1,
        redis: bool = False,
        peer: bool = True,
        env_extra: dict[str, str] | None = None,
    ):
        started: list[Stack] = []
        try:
            started.append(self.start_tandem(workers, redis, env_extra))
            if peer:
                started.append(self.start_peer(workers, redis))
            yield started
        finally:
            for stack in started:
                stack.stop()

    def phases(self, *kinds: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {"kind": kind, "warmup_ms": self.plan.warmup_ms, "duration_ms": self.plan.duration_ms}
            | extra
            for kind, extra in kinds
        ]

    def party(self, size: int, viewers: int | None = None) -> dict[str, Any]:
        party = self.layout["parties"][str(size)]
        chosen = party["viewers"][: viewers or size]
        return {
            "party_id": party["id"],
            "host_token": self.token(party["host"]),
            "viewers": [{"token": self.token(user)} for user in chosen],
        }

    # -- scenarios ----------------------------------------------------------------------------
    def writes(self) -> dict:
        """Scenario (g): bench/writes.py with this plan's runs and lengths, on PostgreSQL."""
        self.counter += 1
        output = self.workdir / f"g-writes-{self.counter:02d}.json"
        command = [PYTHON, str(BENCH / "writes.py"), "--database", "postgresql"]
        command += ["--runs", str(self.plan.runs), "--output", str(output)]
        command += ["--warmup", str(self.plan.warmup_ms / 1000)]
        command += ["--seconds", str(self.plan.duration_ms / 1000)]
        done = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
        if done.returncode:
            raise SystemExit("bench/writes.py failed (see above)")
        return json.loads(output.read_text())["results"][0]

    def fanout(self, label: str, size: int, viewers: int, rate: int, **how: Any) -> dict:
        window = max(2, -(-3000 // viewers))
        transport = how.get("transport", "websocket")
        if transport == "longpoll":
            saturate = ("fixed", {"rate": self.plan.longpoll_offered, "as": "saturate"})
        else:
            saturate = ("saturate", {"window": window})
        with self.stacks(
            how.get("workers", 1),
            how.get("redis", False),
            how.get("peer", True),
            how.get("env_extra"),
        ) as stacks:
            spec = {
                "scenario": "fanout",
                "label": label,
                "runs": how.get("runs", self.plan.runs),
                "transport": transport,
                "targets": [stack.target(**self.party(size, viewers)) for stack in stacks],
                "phases": self.phases(saturate, ("fixed", {"rate": rate})),
            }
            result = self.loadgen(spec)
            if how.get("scrape"):
                result["metrics"] = scrape_metrics(stacks[0].urls[0])
            return result

    def metrics_overhead(self, size: int) -> dict[str, dict]:
        """(a) at `size` for Tandem alone, metrics off and on: one server start and one
        run each per round, alternating which goes first, so drift of the machine falls
        on both alike."""
        merged: dict[str, dict] = {}
        on = {"METRICS_TOKEN": METRICS_TOKEN}
        for run in range(self.plan.runs):
            order = ("off", "on") if run % 2 == 0 else ("on", "off")
            for side in order:
                result = self.fanout(
                    f"a-metrics-{side}-{size}-{run + 1}",
                    size,
                    size,
                    self.plan.fanout_rate,
                    peer=False,
                    runs=1,
                    env_extra=on if side == "on" else {},
                    scrape=side == "on",
                )
                entry = merged.setdefault(side, {"targets": {"tandem": {"runs": []}}})
                entry["targets"]["tandem"]["runs"] += result["targets"]["tandem"]["runs"]
                if "metrics" in result:
                    entry.setdefault("metrics", []).append(result["metrics"])
        return merged

    def chat(self) -> dict:
        groups = self.layout["groups"][: self.plan.chat_groups]
        churners = self.layout["churners"][: self.plan.chat_groups]
        shape = {
            "groups": [
                {
                    "conversation_id": conversation,
                    "members": [{"id": user, "token": self.token(user)} for user in members],
                }
                for conversation, members in zip(self.layout["conversations"], groups, strict=False)
            ],
            "churners": [{"id": user, "token": self.token(user)} for user in churners],
        }
        with self.stacks() as stacks:
            spec = {
                "scenario": "chat",
                "label": "b-chat",
                "runs": self.plan.runs,
                "tag": secrets.token_hex(3),
                "typing_share": self.plan.typing_share,
                "churn_per_s": self.plan.churn_per_s,
                "targets": [stack.target(**shape) for stack in stacks],
                "phases": self.phases(("saturate", {"window": 200}), ("half", {})),
            }
            return self.loadgen(spec)

    def idle(self) -> dict:
        count = self.plan.idle_connections
        users = list(range(1, self.layout["users"] + 1))
        tokens = [self.token(user) for user in users[:count]]
        warm = [self.token(user) for user in users[count : count + 50]] or tokens[:10]
        merged: dict[str, dict] = {"tandem": {"runs": []}, "peer": {"runs": []}}
        for run in range(self.plan.runs):
            order = ("tandem", "peer") if run % 2 == 0 else ("peer", "tandem")
            for name in order:
                stack = self.start_tandem() if name == "tandem" else self.start_peer()
                try:
                    spec = {
                        "scenario": "idle",
                        "label": f"c-idle-{name}-{run + 1}",
                        "settle_ms": self.plan.idle_settle_ms,
                        "idle_ms": self.plan.idle_ms,
                        "targets": [stack.target(tokens=tokens, warm_tokens=warm)],
                    }
                    result = self.loadgen(spec)
                finally:
                    stack.stop()
                merged[name]["runs"] += result["targets"][name]["runs"]
        return {"targets": merged}

    def skew(self) -> dict:
        with self.stacks() as stacks:
            spec = {
                "scenario": "skew",
                "label": "f-skew",
                "runs": self.plan.runs,
                "offset_ms": self.plan.skew_offset_ms,
                "pings": self.plan.skew_pings,
                "targets": [
                    stack.target(**self.party(1000, self.plan.skew_viewers)) for stack in stacks
                ],
                "phases": [
                    {
                        "kind": "skew",
                        "seeks": self.plan.skew_seeks,
                        "interval_ms": self.plan.skew_interval_ms,
                    }
                ],
            }
            return self.loadgen(spec)


def scrape_metrics(url: str) -> dict[str, float]:
    """What a metrics-on server counted: its deliveries and published events, to show
    that the run was measured with the metrics recording."""
    request = urllib.request.Request(  # noqa: S310
        url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    totals = {"delivered": 0.0, "published": 0.0, "latencies": 0.0}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name.startswith("tandem_events_delivered_total"):
            totals["delivered"] += float(value)
        elif name.startswith("tandem_events_published_total"):
            totals["published"] += float(value)
        elif name == "tandem_event_delivery_seconds_count":
            totals["latencies"] += float(value)
    return totals


def rate_limit_settings() -> tuple[str, ...]:
    sys.path.insert(0, str(ROOT))
    from config import RATE_LIMIT_SETTINGS

    return RATE_LIMIT_SETTINGS


# -- figures --------------------------------------------------------------------------------
@dataclass
class Figure:
    scenario: str
    name: str
    better: str  # "higher" or "lower"
    tandem: list[float | None]
    peer: list[float | None] | None  # None: the peer has no equivalent
    flags: dict[str, list[str]] = field(default_factory=dict)

    @staticmethod
    def stats(values: list[float | None] | None) -> dict[str, Any] | None:
        if values is None:
            return None
        present = [v for v in values if v is not None]
        if not present:
            return {"median": None, "min": None, "max": None, "runs": values}
        return {
            "median": statistics.median(present),
            "min": min(present),
            "max": max(present),
            "runs": values,
        }

    def to_dict(self) -> dict[str, Any]:
        tandem = self.stats(self.tandem)
        peer = self.stats(self.peer)
        ratio = None
        if peer and tandem and peer["median"] and tandem["median"] is not None:
            ratio = tandem["median"] / peer["median"]
        return {
            "scenario": self.scenario,
            "figure": self.name,
            "better": self.better,
            "tandem": tandem,
            "peer": peer if peer is not None else "n/a",
            "ratio": ratio,
            "flags": self.flags,
        }


def runs_of(result: dict, name: str) -> list[dict] | None:
    target = result["targets"].get(name)
    return None if target is None else target.get("runs", [])


def pick(runs: list[dict] | None, phase: str | None, key: str) -> list[float | None] | None:
    if runs is None:
        return None
    return [(run.get(phase, {}) if phase else run).get(key) for run in runs]


def flags(runs: list[dict] | None, phases: tuple[str, ...]) -> list[str]:
    marks = []
    for phase in phases:
        bound = sum(1 for run in runs or [] if run.get(phase, {}).get("client_bound"))
        if bound:
            marks.append(f"{phase}: {bound}/{len(runs)} runs client-bound")
        over = sum(1 for run in runs or [] if run.get(phase, {}).get("overloaded"))
        if over:
            marks.append(f"{phase}: {over}/{len(runs)} runs fell behind the offered load")
    return marks


def figures_of(
    title: str, result: dict, rows: list[tuple[str, str, str | None, str]], phases: tuple
) -> list[Figure]:
    """One figure per (name, better, phase, key); flags go on the first."""
    t, p = runs_of(result, "tandem"), runs_of(result, "peer")
    marks = {"tandem": flags(t, phases)}
    if p is not None:
        marks["peer"] = flags(p, phases)
    out = []
    for index, (name, better, phase, key) in enumerate(rows):
        figure = Figure(title, name, better, pick(t, phase, key), pick(p, phase, key))
        if index == 0:
            figure.flags = marks
        out.append(figure)
    return out


def fanout_figures(title: str, result: dict, rate: int) -> list[Figure]:
    rows = [
        ("saturated deliveries/s", "higher", "saturate", "deliveries_per_s"),
        ("CPU µs per delivery (saturated)", "lower", "saturate", "cpu_us_per_delivery"),
        (f"p50 latency ms at {rate:,}/s", "lower", "fixed", "p50_ms"),
        (f"p99 latency ms at {rate:,}/s", "lower", "fixed", "p99_ms"),
    ]
    return figures_of(title, result, rows, ("saturate", "fixed"))


def chat_figures(result: dict) -> list[Figure]:
    rows = [
        ("saturated messages/s", "higher", "saturate", "messages_per_s"),
        ("CPU µs per message (saturated)", "lower", "saturate", "cpu_us_per_message"),
        ("p50 latency ms at half saturation", "lower", "half", "p50_ms"),
        ("p99 latency ms at half saturation", "lower", "half", "p99_ms"),
    ]
    return figures_of("(b) chat", result, rows, ("saturate", "half"))


def idle_figures(result: dict, count: int) -> list[Figure]:
    rows = [
        ("KB per connection (RSS)", "lower", None, "kb_per_connection"),
        ("idle CPU %", "lower", None, "idle_cpu_pct"),
        ("connections/s while connecting", "higher", None, "connections_per_s"),
    ]
    return figures_of(f"(c) idle, {count:,} connections", result, rows, ())


def scale_figures(results: dict[str, dict], rate: int) -> list[Figure]:
    figures = []
    base: dict[str, float] = {}
    for config, result in results.items():
        title = f"(d) {config}"
        figures += figures_of(
            title,
            result,
            [
                ("saturated deliveries/s", "higher", "saturate", "deliveries_per_s"),
                ("CPU µs per delivery (saturated)", "lower", "saturate", "cpu_us_per_delivery"),
                (f"p50 latency ms at {rate:,}/s", "lower", "fixed", "p50_ms"),
            ],
            ("saturate", "fixed"),
        )
        latency = {
            name: pick(runs_of(result, name), "fixed", "p50_ms") for name in ("tandem", "peer")
        }
        if not base:
            base = {name: median_of(values) for name, values in latency.items()}
            continue
        added = {
            name: [None if v is None or base[name] is None else v - base[name] for v in values]
            for name, values in latency.items()
        }
        name = "added p50 latency ms vs 1 worker without Redis"
        figures.append(Figure(title, name, "lower", added["tandem"], added["peer"]))
    return figures


def median_of(values: list[float | None] | None) -> float | None:
    present = [v for v in values or [] if v is not None]
    return statistics.median(present) if present else None


def writes_figures(result: dict) -> list[Figure]:
    """(g) has no peer: its column says n/a."""
    sys.path.insert(0, str(BENCH))
    import writes

    return [
        Figure(
            row["scenario"],
            row["figure"],
            row["better"],
            row["values"],
            None,
            {"tandem": row["notes"]} if row["notes"] else {},
        )
        for row in writes.figure_rows(result)
    ]


def skew_figures(result: dict, viewers: int) -> list[Figure]:
    rows = [
        ("p99 distance of apply moments to their median, ms", "lower", "skew", "skew_p99_ms"),
        ("p99 arrival spread ms", "lower", "skew", "arrival_spread_p99_ms"),
    ]
    return figures_of(f"(f) sync skew, {viewers:,} viewers", result, rows, ("skew",))


# -- the table --------------------------------------------------------------------------------
def number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(stats: dict | str | None, runs: int) -> str:
    if stats == "n/a" or stats is None:
        return "n/a"
    if stats["median"] is None:
        return "-"
    text = number(stats["median"])
    if runs > 1:
        text += f" ({number(stats['min'])}-{number(stats['max'])})"
    return text


def markdown(figures: list[dict], runs: int) -> str:
    lines = ["| scenario | figure | Tandem | peer | Tandem/peer |", "|---|---|---:|---:|---:|"]
    notes = []
    for figure in figures:
        mark = ""
        for side, items in figure["flags"].items():
            for item in items:
                notes.append(f"{figure['scenario']}, {side}: {item}")
                mark = " †"
        ratio = "n/a" if figure["ratio"] is None else f"{figure['ratio']:.2f}"
        arrow = "↑" if figure["better"] == "higher" else "↓"
        lines.append(
            f"| {figure['scenario']} | {figure['figure']} {arrow} | "
            f"{cell(figure['tandem'], runs)}{mark} | {cell(figure['peer'], runs)} | {ratio} |"
        )
    text = "\n".join(lines)
    if runs > 1:
        text += f"\n\nMedian of {runs} runs, (min-max) beside it. ↑ higher is better, ↓ lower."
    else:
        text += "\n\nOne run each (--quick). ↑ higher is better, ↓ lower."
    if notes:
        text += "\n\n† " + "\n† ".join(notes)
    return text


def overhead_markdown(results: dict[str, dict[str, dict]], plan: Plan) -> str:
    """Metrics off and on side by side, per size, with the change in percent."""
    lines = [
        "| scenario | figure | metrics off | metrics on | change |",
        "|---|---|---:|---:|---:|",
    ]
    for size, sides in results.items():
        title = f"(a) fan-out N={size:,}"
        off = fanout_figures(title, sides["off"], plan.fanout_rate)
        on = fanout_figures(title, sides["on"], plan.fanout_rate)
        for before, after in zip(off, on, strict=True):
            a = median_of(before.tandem)
            b = median_of(after.tandem)
            change = "-" if not a or b is None else f"{(b - a) / a * 100:+.1f} %"
            arrow = "↑" if before.better == "higher" else "↓"
            lines.append(
                f"| {title} | {before.name} {arrow} | {number(a)} | {number(b)} | {change} |"
            )
        counted = sides["on"].get("metrics", [])
        if counted:
            delivered = sum(entry["delivered"] for entry in counted)
            lines.append(f"| {title} | deliveries counted (metrics on) | | {delivered:,.0f} | |")
    runs = "one run" if plan.runs == 1 else f"median of {plan.runs} runs"
    return "\n".join(lines) + f"\n\nTandem alone, {runs} per side, alternating the order."


# -- the machine --------------------------------------------------------------------------------
def cpu_share(core: int) -> float | None:
    """The share of wall time a busy process pinned to `core` really gets (a VM's host may
    take the rest)."""
    code = (
        "import time\n"
        "w, c = time.monotonic(), time.process_time()\n"
        "while time.monotonic() - w < 1.0: pass\n"
        "print((time.process_time() - c) / (time.monotonic() - w))"
    )
    done = subprocess.run(  # noqa: S603
        pinned(core, [PYTHON, "-c", code]), capture_output=True, text=True, check=False
    )
    try:
        return round(float(done.stdout.strip()), 3)
    except ValueError:
        return None


def command_output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)  # noqa: S603
    except OSError:
        return "?"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0]
        if (done.stdout or done.stderr)
        else "?"
    )


def locked_version(folder: str, package: str) -> str:
    lock = json.loads((BENCH / folder / "package-lock.json").read_text())
    return lock["packages"].get(f"node_modules/{package}", {}).get("version", "?")


def machine() -> dict[str, Any]:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 2**20:.1f} GiB"
    versions = {
        name: importlib.metadata.version(name)
        for name in (
            *("Flask", "Flask-SocketIO", "python-socketio", "python-engineio", "gevent"),
            *("simple-websocket", "SQLAlchemy", "orjson"),
        )
    }
    commit = command_output(["git", "rev-parse", "--short", "HEAD"])
    dirty = command_output(["git", "status", "--porcelain", "--", "app.py", "realtime", "services"])
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": command_output(["node", "--version"]),
        "redis": command_output(["redis-server", "--version"]),
        "python_packages": versions,
        "peer_packages": {
            name: locked_version("peer", name)
            for name in ("socket.io", "better-sqlite3", "@socket.io/redis-adapter", "redis")
        },
        "loadgen_packages": {"socket.io-client": locked_version("loadgen", "socket.io-client")},
        "tandem_commit": commit + (" (with local changes)" if dirty not in ("", "?") else ""),
    }


# -- setup -----------------------------------------------------------------------------------------
def require_programs() -> None:
    if shutil.which("redis-server") is None:
        raise SystemExit(
            "redis-server is not installed; the benchmark needs it: apt-get install -y redis-server"
        )
    for program, hint in (
        ("node", "Node.js 20 or newer"),
        ("npm", "npm (comes with Node.js)"),
        ("taskset", "taskset: apt-get install -y util-linux"),
    ):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} is not installed; the benchmark needs {hint}")
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("the benchmark pins the servers and the load generator to two cores")


def npm_install(folder: Path) -> None:
    """`npm ci` when the lock file changed since the last install."""
    stamp = folder / "node_modules" / ".bench-lock-sha256"
    digest = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"npm ci in {folder.relative_to(ROOT)} (better-sqlite3 may compile: a minute or two)")
    env = dict(os.environ)
    # better-sqlite3 builds from source when no prebuilt binary can be fetched; node-gyp
    # then needs Node's headers, which a distribution's nodejs package puts under /usr.
    if Path("/usr/include/node/node.h").exists():
        env.setdefault("npm_config_nodedir", "/usr")
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S607
        cwd=folder,
        env=env,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"npm ci failed in {folder}")
    stamp.write_text(digest)


def raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# -- main -----------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a reduced version of every scenario")
    parser.add_argument("--only", default=SCENARIOS, help="scenarios to run, e.g. a,c,f")
    parser.add_argument("--runs", type=int, help="runs per scenario (default 5, 1 with --quick)")
    parser.add_argument("--output", type=Path, help="where to write the results JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--metrics-overhead",
        action="store_true",
        help="only (a), Tandem alone, with its metrics off and on side by side",
    )
    parser.add_argument("--sizes", help="fan-out sizes of (a), e.g. 100 (default 100,1000)")
    args = parser.parse_args()
    chosen = [letter for letter in SCENARIOS if letter in args.only.lower()]
    plan = QUICK if args.quick else FULL
    if args.runs:
        plan = Plan(**{**plan.__dict__, "runs": args.runs})
    if args.sizes:
        sizes = tuple(int(size) for size in args.sizes.split(","))
        plan = Plan(**{**plan.__dict__, "fanout_sizes": sizes})
    if args.metrics_overhead:
        return metrics_overhead(plan, args)

    require_programs()
    raise_file_limit()
    with_peer = [letter for letter in chosen if letter != "g"]
    if with_peer:
        for folder in ("peer", "loadgen"):
            npm_install(BENCH / folder)

    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    info = machine()
    info["cpu_share_at_start"] = {core: cpu_share(core) for core in (LOADGEN_CORE, SERVER_CORE)}
    bench = Bench(plan, workdir)
    figures: list[Figure] = []
    raw: dict[str, Any] = {}
    try:
        if with_peer:
            bench.seed()
        mark = time.monotonic()

        def done(letter: str) -> None:
            nonlocal mark
            print(f"-- ({letter}) took {time.monotonic() - mark:.0f} s", flush=True)
            mark = time.monotonic()

        if "a" in chosen:
            for size in plan.fanout_sizes:
                title = f"(a) fan-out N={size:,}"
                result = bench.fanout(f"a-fanout-{size}", size, size, plan.fanout_rate)
                raw[title] = result
                figures += fanout_figures(title, result, plan.fanout_rate)
            done("a")
        if "b" in chosen:
            raw["(b) chat"] = result = bench.chat()
            figures += chat_figures(result)
            done("b")
        if "c" in chosen:
            raw["(c) idle"] = result = bench.idle()
            figures += idle_figures(result, plan.idle_connections)
            done("c")
        if "d" in chosen:
            configs = {
                f"1 worker, no Redis, N={plan.scale_viewers:,}": {"workers": 1, "redis": False},
                f"1 worker, Redis, N={plan.scale_viewers:,}": {"workers": 1, "redis": True},
                f"2 workers, Redis, N={plan.scale_viewers:,}": {"workers": 2, "redis": True},
            }
            results = {}
            for config, how in configs.items():
                label = f"d-{how['workers']}w-{'redis' if how['redis'] else 'local'}"
                results[config] = bench.fanout(
                    label, 1000, plan.scale_viewers, plan.scale_rate, **how
                )
            raw["(d) scale-out"] = results
            figures += scale_figures(results, plan.scale_rate)
            done("d")
        if "e" in chosen:
            results = {}
            for transport in ("websocket", "polling", "sse", "longpoll"):
                results[transport] = bench.fanout(
                    f"e-{transport}",
                    100,
                    plan.transport_viewers,
                    plan.scale_rate,
                    transport=transport,
                    peer=transport in ("websocket", "polling"),
                )
            raw["(e) transports"] = results
            for transport, result in results.items():
                figures += fanout_figures(f"(e) {transport}", result, plan.scale_rate)
            done("e")
        if "f" in chosen:
            raw["(f) sync skew"] = result = bench.skew()
            figures += skew_figures(result, plan.skew_viewers)
            done("f")
        if "g" in chosen:
            raw["(g) durable writes"] = result = bench.writes()
            figures += writes_figures(result)
            done("g")
    finally:
        info["cpu_share_at_end"] = {core: cpu_share(core) for core in (LOADGEN_CORE, SERVER_CORE)}
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    table = [figure.to_dict() for figure in figures]
    elapsed = time.monotonic() - started
    output = args.output or RESULTS / f"{stamp}{'-quick' if args.quick else ''}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "started_at": stamp,
                "quick": args.quick,
                "elapsed_s": round(elapsed, 1),
                "scenarios": chosen,
                "plan": plan.__dict__,
                "machine": info,
                "figures": table,
                "raw": raw,
            },
            indent=1,
        )
        + "\n"
    )
    print()
    print(markdown(table, plan.runs))
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(f"\n{len(table)} figures in {elapsed:.0f} s; written to {shown}")
    return 0


def metrics_overhead(plan: Plan, args: argparse.Namespace) -> int:
    """`--metrics-overhead`: (a) with the metrics off and on, side by side."""
    require_programs()
    raise_file_limit()
    npm_install(BENCH / "loadgen")
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    bench = Bench(plan, workdir)
    results: dict[str, dict[str, dict]] = {}
    try:
        bench.seed()
        for size in plan.fanout_sizes:
            results[str(size)] = bench.metrics_overhead(size)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    table = overhead_markdown({int(size): sides for size, sides in results.items()}, plan)
    output = args.output or RESULTS / f"{stamp}-metrics-overhead.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {"started_at": stamp, "plan": plan.__dict__, "machine": machine(), "raw": results},
            indent=1,
        )
        + "\n"
    )
    print()
    print(table)
    print(f"\nin {time.monotonic() - started:.0f} s; written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

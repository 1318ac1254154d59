"""Memory per idle Socket.IO WebSocket connection on Tandem, with a breakdown by file.

    python bench/connection_memory.py                 # 1,000 connections, 2 runs of each kind
    python bench/connection_memory.py -n 2000 --runs 3

Seeds a database (bench/seed.py) and, for each run, starts a fresh Tandem server
(`app.py`, production profile, as bench/run.py does) and has the Node load generator
(bench/loadgen, scenario "idle") open N idle WebSocket clients after 50 warm ones. Two
kinds of run alternate:

- plain: the load generator's own figure, (RSS after - RSS before) / N, read from
  /proc while the server holds the connections. This is the (c) figure of
  docs/performance.md.
- traced: the server runs with `TANDEM_MEMORY_PROBE` (realtime/memory_probe.py), so
  allocations are traced; SIGUSR1 dumps a snapshot once the warm connections are open
  and again once the N are. The difference, grouped by source file and divided by N,
  says where the bytes go (tracing inflates RSS, so these runs give no RSS figure).

Prints the medians of the plain runs and the traced breakdown (largest files first), and
writes the whole as JSON to bench/results/connections-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BENCH, LOADGEN_CORE, RESULTS, Bench, Plan, pinned

WARM = 50


def loadgen_spec(bench: Bench, stack: Any, count: int, label: str) -> dict[str, Any]:
    tokens = [bench.token(user) for user in range(1, count + 1)]
    warm = [bench.token(user) for user in range(count + 1, count + 1 + WARM)]
    return {
        "scenario": "idle",
        "label": label,
        "clk_tck": os.sysconf("SC_CLK_TCK"),
        "loadgen_core": LOADGEN_CORE,
        "settle_ms": 5000,
        "idle_ms": 3000,
        "targets": [stack.target(tokens=tokens, warm_tokens=warm)],
    }


def wait_for(path: Path, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return json.loads(path.read_text())
            except json.JSONDecodeError:  # still being written
                pass
        time.sleep(0.1)
    raise SystemExit(f"the server wrote no {path.name} within {timeout:.0f} s")


def run_loadgen(bench: Bench, spec: dict[str, Any], on_line=None) -> dict[str, Any]:
    """The load generator on `spec`; `on_line` sees each line it logs, as it logs it."""
    path = bench.workdir / f"spec-{spec['label']}.json"
    path.write_text(json.dumps(spec))
    process = subprocess.Popen(  # noqa: S603
        pinned(LOADGEN_CORE, ["node", str(BENCH / "loadgen" / "loadgen.js"), str(path)]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.extend(process.stdout), daemon=True)
    reader.start()
    for line in process.stderr:
        sys.stderr.write(line)
        if on_line is not None:
            on_line(line)
    process.wait()
    reader.join()
    if process.returncode:
        raise SystemExit(f"the load generator failed on {spec['label']}")
    return json.loads(out[-1])


def plain_run(bench: Bench, count: int, label: str) -> dict[str, Any]:
    stack = bench.start_tandem()
    try:
        result = run_loadgen(bench, loadgen_spec(bench, stack, count, label))
    finally:
        stack.stop()
    return result["targets"]["tandem"]["runs"][0]


def traced_run(bench: Bench, count: int, label: str) -> dict[str, Any]:
    probe = bench.workdir / f"probe-{label}"
    stack = bench.start_tandem(env_extra={"TANDEM_MEMORY_PROBE": str(probe)})
    pid = stack.workers[0].pid
    dumps: list[dict[str, Any]] = []

    def on_line(line: str) -> None:
        if "warm connections" in line or "idle connections in" in line:
            os.kill(pid, signal.SIGUSR1)
            dumps.append(wait_for(probe.with_name(f"{probe.name}.{len(dumps) + 1}.json")))

    try:
        result = run_loadgen(bench, loadgen_spec(bench, stack, count, label), on_line)
    finally:
        stack.stop()
    if len(dumps) != 2:
        raise SystemExit(f"expected two snapshots, got {len(dumps)}")
    before, after = dumps
    run = result["targets"]["tandem"]["runs"][0]
    connected = run["connections"]
    was = {row["file"]: row["bytes"] for row in before["files"]}
    files = {
        row["file"]: (row["bytes"] - was.get(row["file"], 0)) / connected for row in after["files"]
    }
    return {
        "connections": connected,
        "still_connected": run["still_connected"],
        "traced_bytes_per_connection": (after["traced_bytes"] - before["traced_bytes"]) / connected,
        "greenlets_per_connection": (after["greenlets"] - before["greenlets"]) / connected,
        "bytes_per_connection_by_file": dict(sorted(files.items(), key=lambda item: -item[1])),
    }


def short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python"):
        if marker in path:
            return path.split(marker, 1)[1]
    return os.path.relpath(path, Path(__file__).resolve().parents[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--connections", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2, help="runs of each kind")
    parser.add_argument("--top", type=int, default=15, help="files shown in the breakdown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-conn-") as folder:
        bench = Bench(Plan(runs=args.runs, warmup_ms=0, duration_ms=0), Path(folder))
        bench.seed()
        if args.connections + WARM > bench.layout["users"]:
            raise SystemExit(f"the seed has {bench.layout['users']} users")
        plain, traced = [], []
        for run in range(args.runs):
            kinds = ("plain", "traced") if run % 2 == 0 else ("traced", "plain")
            for kind in kinds:
                label = f"conn-{kind}-{run + 1}"
                if kind == "plain":
                    plain.append(plain_run(bench, args.connections, label))
                else:
                    traced.append(traced_run(bench, args.connections, label))
    kb = [run["kb_per_connection"] for run in plain]
    print(f"\n{args.connections:,} idle WebSocket connections, {args.runs} runs of each kind")
    print(f"KB per connection (RSS): {statistics.median(kb):.1f} ({min(kb):.1f}-{max(kb):.1f})")
    print(f"still connected: {[run['still_connected'] for run in plain + traced]}")
    last = traced[-1]
    traced_kb = statistics.median(r["traced_bytes_per_connection"] for r in traced) / 1024
    greenlets = statistics.median(r["greenlets_per_connection"] for r in traced)
    print(f"traced KB per connection: {traced_kb:.1f}; greenlets per connection: {greenlets:.2f}")
    print("\n| file | bytes per connection |\n|---|---:|")
    for path, size in list(last["bytes_per_connection_by_file"].items())[: args.top]:
        print(f"| {short(path)} | {size:,.0f} |")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"connections-{stamp}.json"
    out.write_text(json.dumps({"plain": plain, "traced": traced}, indent=1))
    print(f"\nwritten {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

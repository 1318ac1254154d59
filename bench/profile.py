"""Profile Tandem's server under one of the benchmark's loads, with py-spy.

    pip install py-spy   # into the project's virtualenv, once
    python bench/profile.py fanout --viewers 100 --seconds 15
    python bench/profile.py chat --seconds 15
    python bench/profile.py skew --seconds 15
    python bench/profile.py longpoll --viewers 100 --seconds 10

Starts Tandem alone (as bench/run.py does), drives it with the load generator and
samples the server with `py-spy record`. Prints the functions with the most samples,
by own time and by inclusive time, and keeps the raw stacks (collapsed format, for any
flame-graph tool) and a speedscope file in --out.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (the benchmark's own module, next to this file)


def spec_for(bench: run.Bench, scenario: str, args, target: dict) -> dict:
    long_phase = {"warmup_ms": 2000, "duration_ms": int(args.seconds * 1000) + 4000}
    if scenario in ("fanout", "longpoll", "sse", "polling"):
        transport = {"fanout": "websocket"}.get(scenario, scenario)
        phase = (
            {"kind": "fixed", "rate": args.rate}
            if args.rate or transport == "longpoll"
            else {"kind": "saturate", "window": max(2, -(-3000 // args.viewers))}
        )
        if transport == "longpoll" and not args.rate:
            phase["rate"] = 2000
        return {
            "scenario": "fanout",
            "label": f"profile-{scenario}",
            "runs": 1,
            "transport": transport,
            "targets": [target | bench.party(1000, args.viewers)],
            "phases": [phase | long_phase],
        }
    if scenario == "chat":
        groups = bench.layout["groups"][: args.groups]
        return {
            "scenario": "chat",
            "label": "profile-chat",
            "runs": 1,
            "tag": os.urandom(3).hex(),
            "typing_share": 0.2,
            "churn_per_s": 10,
            "targets": [
                target
                | {
                    "groups": [
                        {
                            "conversation_id": conversation,
                            "members": [{"id": u, "token": bench.token(u)} for u in members],
                        }
                        for conversation, members in zip(
                            bench.layout["conversations"], groups, strict=False
                        )
                    ],
                    "churners": [
                        {"id": u, "token": bench.token(u)}
                        for u in bench.layout["churners"][: args.groups]
                    ],
                }
            ],
            "phases": [{"kind": "saturate", "window": 200} | long_phase],
        }
    if scenario == "skew":
        return {
            "scenario": "skew",
            "label": "profile-skew",
            "runs": 1,
            "offset_ms": 50,
            "pings": 5,
            "targets": [target | bench.party(1000, args.viewers)],
            "phases": [{"kind": "skew", "seeks": int(args.seconds / 2) + 3, "interval_ms": 2000}],
        }
    raise SystemExit(f"unknown scenario {scenario}")


def summarise(raw: Path, top: int) -> str:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        frames = [frame for frame in stack.split(";") if frame]
        total += samples
        if frames:
            own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    lines = [f"{total} samples"]
    for title, counter in (("own time", own), ("inclusive time", inclusive)):
        lines.append(f"\n-- top {top} by {title} --")
        for frame, samples in counter.most_common(top):
            lines.append(f"{100 * samples / max(total, 1):5.1f}%  {frame}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scenarios = ("fanout", "polling", "sse", "longpoll", "chat", "skew")
    parser.add_argument("scenario", choices=scenarios)
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--rate", type=int, help="deliveries/s offered (default: saturate)")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "tandem-profile")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")

    run.require_programs()
    run.raise_file_limit()
    for folder in ("peer", "loadgen"):
        run.npm_install(BENCH / folder)
    args.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="tandem-profile-"))
    bench = run.Bench(run.QUICK, workdir)
    bench.seed()
    stack = bench.start_tandem()
    try:
        spec = spec_for(bench, args.scenario, args, stack.target())
        spec = {"clk_tck": os.sysconf("SC_CLK_TCK"), "loadgen_core": run.LOADGEN_CORE, **spec}
        spec_path = workdir / "spec.json"
        spec_path.write_text(json.dumps(spec))
        loadgen = subprocess.Popen(  # noqa: S603
            run.pinned(
                run.LOADGEN_CORE, ["node", str(BENCH / "loadgen" / "loadgen.js"), str(spec_path)]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Sample once every client is connected and the load has settled.
        for line in loadgen.stderr:
            sys.stderr.write(line)
            if "connected" in line:
                break
        threading.Thread(target=shutil.copyfileobj, args=(loadgen.stderr, sys.stderr)).start()
        time.sleep(5)
        pid = str(stack.workers[0].pid)
        raw = args.out / f"{args.scenario}.txt"
        common = ["--pid", pid, "--duration", str(int(args.seconds)), "--rate", "100"]
        subprocess.run(  # noqa: S603
            [py_spy, "record", *common, "--format", "raw", "--output", str(raw)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        loadgen.wait(timeout=600)
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(summarise(raw, args.top))
    print(f"\ncollapsed stacks: {raw}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

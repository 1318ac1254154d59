"""What a Socket.IO connect and a plain long-poll cost Tandem's server, in CPU.

    python bench/handshake_cost.py                       # both, this checkout, 3 runs
    python bench/handshake_cost.py --roots ../main,.     # A/B, runs alternating
    python bench/handshake_cost.py --only poll --runs 5
    python bench/handshake_cost.py --only connect --roots peer,.   # beside the peer

*connect*: a fresh server per run, 50 warm connections, then `--connections` Socket.IO
WebSocket handshakes, 50 at a time, each a different user's first (scenario (c)'s
connecting phase, from the load generator): the server's CPU (utime + stime from
/proc) over that phase per handshake, and the rate.

*wsgi*: the same loop of `GET`s against `wsgi_floor.py` (gevent's WSGI server answering a
constant, nothing else): what the long-poll figure would be if the site's own work were
free. *floor*: a signed-out `GET /healthz` on the site, the cheapest request it serves.

*poll*: a fresh server per run, `--pollers` viewers of the 1,000-viewer party, each in a
loop of `GET /api/v1/events?cursor=...&timeout=0` with its bearer token and the cursor
of its last answer (nothing is published meanwhile, so each poll is the whole cost of
a poll that finds nothing: the sign-in, the stream's registration, the backlog check,
the party-state resume hook, the JSON answer). The server's CPU over `--seconds` per
poll answered. The clients run in this process, pinned to the load generator's core.
*poll-alone*: the same, by people in no party and no group (the last seeded users): a
poll whose stream holds no party, so the party-state hook reads nothing.

The process CPU of the server is the figure to compare: the machine is shared and has
two cores, so rates move with whatever else runs. `--roots` runs the server from other
checkouts of the same schema (the A/B against another branch), alternating per run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (the benchmark's own module, next to this file)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


PEER = "peer"  # in --roots: the Node.js peer (connect only)
PROFILE_TO: Path | None = None  # --profile: py-spy samples the measured window here


def sample(pid: int, seconds: float, raw: Path) -> None:
    """py-spy on the server for `seconds` (raw collapsed stacks in `raw`)."""
    py_spy = str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", "--pid", str(pid), "--duration", str(int(seconds))]
    command += ["--rate", "200", "--format", "raw", "--output", str(raw)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def connect_run(bench: run.Bench, count: int, peer: bool = False) -> dict:
    users = list(range(1, bench.layout["users"] + 1))
    tokens = [bench.token(user) for user in users[:count]]
    warm = [bench.token(user) for user in users[count : count + 50]]
    stack = bench.start_peer() if peer else bench.start_tandem()
    sampler = None
    if PROFILE_TO is not None:  # the whole run: py-spy leaves idle time out
        seconds = 4 + count / 300
        sampler = threading.Thread(
            target=sample, args=(stack.workers[0].pid, seconds, PROFILE_TO / "connect.txt")
        )
        sampler.start()
    try:
        spec = {
            "scenario": "idle",
            "label": "handshake-cost",
            "settle_ms": 200,
            "idle_ms": 200,
            "targets": [stack.target(tokens=tokens, warm_tokens=warm)],
        }
        result = bench.loadgen(spec)["targets"][stack.name]["runs"][0]
        if sampler is not None:
            sampler.join()
    finally:
        stack.stop()
    return {"cpu_us": result["connect_cpu_us"], "per_s": result["connections_per_s"]}


class Poller(threading.Thread):
    def __init__(self, url: str, token: str | None, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.stop = stop
        self.polls = 0
        self.failures = 0
        self.cursor = self.get("/api/v1/events")["cursor"] if token else None

    def path(self) -> str:
        if self.cursor is None:  # the floor: the cheapest request there is
            return "/healthz"
        return f"/api/v1/events?cursor={self.cursor}&timeout=0"

    def get(self, path: str) -> dict:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
        return json.loads(body)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                answer = self.get(self.path())
                if self.cursor is not None:
                    self.cursor = answer["cursor"]
                self.polls += 1
            except (OSError, RuntimeError, http.client.HTTPException):
                self.failures += 1


def poll_run(bench: run.Bench, pollers: int, seconds: float, kind: str = "poll") -> dict:
    """Polls that find nothing, by party viewers (`poll`) or by people in no party
    (`poll-alone`); `floor`: `GET /healthz` instead, signed out: what any request costs
    (pywsgi, the Engine.IO middleware, Flask and its hooks)."""
    if kind == "poll-alone":
        last = bench.layout["users"]
        tokens = [bench.token(user) for user in range(last - pollers + 1, last + 1)]
    else:
        viewers = bench.party(1000, pollers)["viewers"]
        tokens = [None if kind == "floor" else viewer["token"] for viewer in viewers]
    stack = bench.start_tandem()
    try:
        stop = threading.Event()
        threads = [Poller(stack.urls[0], token, stop) for token in tokens]
        pid = stack.workers[0].pid
        return measured(pid, threads, stop, seconds, f"{kind}.txt")
    finally:
        stack.stop()


def wsgi_run(pollers: int, seconds: float) -> dict:
    """The poll loop against gevent's WSGI server alone, pinned to the server's core."""
    command = run.pinned(run.SERVER_CORE, [sys.executable, str(BENCH / "wsgi_floor.py")])
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        port = int(server.stdout.readline())  # printed once it listens
        stop = threading.Event()
        threads = [Poller(f"http://127.0.0.1:{port}", None, stop) for _ in range(pollers)]
        return measured(server.pid, threads, stop, seconds, "wsgi.txt")
    finally:
        server.terminate()
        server.wait(timeout=30)


def measured(
    pid: int, threads: list[Poller], stop: threading.Event, seconds: float, profile: str
) -> dict:
    """The server's CPU per answer while `threads` poll, after a warm-up."""
    for thread in threads:
        thread.start()
    time.sleep(2)  # warm-up
    before = (cpu_seconds(pid), sum(t.polls for t in threads), time.monotonic())
    if PROFILE_TO is not None:
        sample(pid, seconds, PROFILE_TO / profile)
    else:
        time.sleep(seconds)
    after = (cpu_seconds(pid), sum(t.polls for t in threads), time.monotonic())
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    polls = after[1] - before[1]
    return {
        "cpu_us": (after[0] - before[0]) * 1e6 / max(polls, 1),
        "per_s": polls / (after[2] - before[2]),
        "failures": sum(t.failures for t in threads),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roots", default=str(run.ROOT), help="checkouts, comma-separated")
    parser.add_argument("--only", choices=("connect", "poll", "poll-alone", "floor", "wsgi"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--pollers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--profile", type=Path, help="py-spy the poll window into this folder")
    args = parser.parse_args()
    if args.profile is not None:
        global PROFILE_TO
        PROFILE_TO = args.profile
        args.profile.mkdir(parents=True, exist_ok=True)
    roots = [root if root == PEER else Path(root).resolve() for root in args.roots.split(",")]
    run.require_programs()
    run.raise_file_limit()
    for folder in ("peer", "loadgen") if PEER in roots else ("loadgen",):
        run.npm_install(BENCH / folder)
    os.sched_setaffinity(0, {run.LOADGEN_CORE})
    bench = run.Bench(run.QUICK, Path(tempfile.mkdtemp(prefix="tandem-handshake-")))
    bench.seed()
    kinds = [args.only] if args.only else ["connect", "poll"]
    results: dict[str, dict[str, list[dict]]] = {k: {str(r): [] for r in roots} for k in kinds}
    for index in range(args.runs):
        order = roots if index % 2 == 0 else roots[::-1]
        for root in order:
            if root != PEER:
                run.ROOT = root  # the server's checkout (start_tandem runs app.py there)
            for kind in kinds:
                if kind == "connect":
                    figure = connect_run(bench, args.connections, peer=root == PEER)
                elif root == PEER:
                    continue  # the peer has no long-polling
                elif kind == "wsgi":
                    figure = wsgi_run(args.pollers, args.seconds)
                else:
                    figure = poll_run(bench, args.pollers, args.seconds, kind)
                results[kind][str(root)].append(figure)
                print(f"{kind} {root} run {index + 1}: {figure}", file=sys.stderr, flush=True)
    for kind, by_root in results.items():
        for root, figures in by_root.items():
            if not figures:
                continue
            cpu = statistics.median(f["cpu_us"] for f in figures)
            rate = statistics.median(f["per_s"] for f in figures)
            runs = ", ".join(f"{f['cpu_us']:.0f}" for f in figures)
            print(f"{kind:8} {root}: CPU µs each {cpu:.0f} ({runs}), {rate:.0f}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Try Tandem as a cluster on one machine: a redis-server and N workers on
consecutive ports, sharing one database. Ctrl-C stops them all.

    python scripts/cluster.py --workers 3 --base-port 5001

DATABASE_URL is used when set (PostgreSQL for anything beyond a try-out); otherwise the
workers share the SQLite file in instance/. REDIS_URL is used when set; otherwise a
redis-server is started on --redis-port.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a process meant for port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listened on port {port} within {timeout} s")


def start_redis(port: int) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: apt-get install -y redis-server")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port, process)
    return process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--base-port", type=int, default=5001)
    parser.add_argument("--redis-port", type=int, default=6390)
    args = parser.parse_args()
    if not 1 <= args.workers <= 32:
        parser.error("--workers must be between 1 and 32")

    children: list[subprocess.Popen] = []
    env = dict(os.environ)
    if not env.get("REDIS_URL"):
        children.append(start_redis(args.redis_port))
        env["REDIS_URL"] = f"redis://127.0.0.1:{args.redis_port}/0"

    def stop(*_: object) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    flask = [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"]
    subprocess.run(flask, cwd=ROOT, env=env, check=True)
    for index in range(args.workers):
        port = args.base_port + index
        worker = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env={**env, "PORT": str(port)}
        )
        children.append(worker)
        wait_for_port(port, worker)
        print(f"worker {index + 1}: http://127.0.0.1:{port}", flush=True)
    print(f"{args.workers} worker(s) sharing {env['REDIS_URL']}; Ctrl-C stops them", flush=True)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    stop()
    return 1


if __name__ == "__main__":
    sys.exit(main())

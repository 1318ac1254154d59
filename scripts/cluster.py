"""Try Tandem as a cluster on one machine: a redis-server and N workers on
consecutive ports, sharing one database. Ctrl-C stops them all.

    python scripts/cluster.py --workers 3 --base-port 5001

With --base-port 0 each worker takes any free port, and with --redis-port 0 so does
redis-server; the lines printed say which.

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
import tempfile
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int) -> tuple[subprocess.Popen, int]:
    """redis-server on `port`, or with 0 on a free port (another one if it was taken
    between choosing it and binding it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: apt-get install -y redis-server")
    for _attempt in range(5):
        chosen = port or free_port()
        process = subprocess.Popen(
            [
                binary,
                *("--port", str(chosen), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_for_port(chosen, process)
            time.sleep(0.2)  # a redis-server that lost the port exits at once
            if process.poll() is None:
                return process, chosen
        except SystemExit:
            if port:
                raise
    raise SystemExit("redis-server could not find a port to listen on")


def start_worker(env: dict[str, str], port: int, port_file: Path) -> tuple[subprocess.Popen, int]:
    """A worker on `port`, or with 0 on any free port, which it writes to `port_file`."""
    port_file.unlink(missing_ok=True)
    worker = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={**env, "PORT": str(port), "TANDEM_PORT_FILE": str(port_file)},
    )
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if worker.poll() is not None:
            raise SystemExit(f"a worker exited with {worker.returncode} before listening")
        if time.monotonic() > deadline:
            raise SystemExit("a worker did not listen within 60 s")
        time.sleep(0.05)
    return worker, int(port_file.read_text())


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
        redis_server, redis_port = start_redis(args.redis_port)
        children.append(redis_server)
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"

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
    ports = tempfile.TemporaryDirectory(prefix="tandem-cluster-")
    for index in range(args.workers):
        wanted = args.base_port + index if args.base_port else 0
        worker, port = start_worker(env, wanted, Path(ports.name) / f"worker-{index + 1}.port")
        children.append(worker)
        print(f"worker {index + 1}: http://127.0.0.1:{port}", flush=True)
    print(f"{args.workers} worker(s) sharing {env['REDIS_URL']}; Ctrl-C stops them", flush=True)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    stop()
    return 1


if __name__ == "__main__":
    sys.exit(main())

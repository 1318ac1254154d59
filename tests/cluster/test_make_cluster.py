"""`make cluster`'s script starts redis-server and N workers that act as one site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.clients import SocketClient, register
from tests.support.processes import PROJECT_ROOT, free_port
from tests.support.programs import require_program

pytestmark = pytest.mark.server


def test_cluster_script_starts_workers_that_share_events(tmp_path):
    require_program("redis-server")
    base_port = free_port()
    while free_port() in (base_port + 1, base_port + 2):
        base_port = free_port()
    env = {
        **os.environ,
        "TANDEM_ENV": "testing",
        "TANDEM_INSTANCE_PATH": str(tmp_path / "instance"),
        "REGISTRATION_RATE_LIMIT": "100 per hour",
    }
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "scripts/cluster.py",
            "--workers",
            "2",
            "--base-port",
            str(base_port),
            "--redis-port",
            str(free_port()),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "worker(s) sharing" in line or process.poll() is not None:
                break
        assert any("worker(s) sharing" in line for line in lines), "".join(lines)
        first = f"http://127.0.0.1:{base_port}"
        second = f"http://127.0.0.1:{base_port + 1}"
        account = register(first)
        client = SocketClient(second).connect(auth={"token": account.token})
        account.echo("across the cluster", base=first)
        assert client.received.wait_count("stream:echo", 1)[0]["text"] == "across the cluster"
        client.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0

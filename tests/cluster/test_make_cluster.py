"""`make cluster`'s script starts redis-server and N workers that act as one site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.clients import SocketClient, register
from tests.support.processes import PROJECT_ROOT
from tests.support.programs import require_program

pytestmark = pytest.mark.server


def test_cluster_script_starts_workers_that_share_events(tmp_path):
    require_program("redis-server")
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
            "0",
            "--redis-port",
            "0",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "worker(s) sharing" in line or process.poll() is not None:
                break
        assert any("worker(s) sharing" in line for line in lines), "".join(lines)
        first, second = (
            line.split(": ", 1)[1].strip() for line in lines if line.startswith("worker ")
        )
        account = register(first)
        client = SocketClient(second).connect(auth={"token": account.token})
        account.echo("across the cluster", base=first)
        assert client.received.wait_count("stream:echo", 1)[0]["text"] == "across the cluster"
        client.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0

"""Real processes on loopback for tests: Tandem servers and redis-server."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import redis
import requests

from tests.support.programs import require_program

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


def wait_for_port_file(path: Path, process: subprocess.Popen, timeout: float = 60.0) -> int:
    """The port a starting server wrote to `path` once it listened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return int(path.read_text())
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        time.sleep(0.05)
    raise TimeoutError(f"no port written to {path} within {timeout} s")


class ServerProcess:
    """`python app.py` in a subprocess, with its own settings. Without a `port` it takes
    any free one and says which in a file once it listens, so no port is chosen here and
    then raced for by another process."""

    _started = itertools.count(1)

    def __init__(self, workdir: Path, env: Mapping[str, str], port: int | None = None):
        self.port = port
        self.workdir = workdir
        name = f"server-{next(self._started)}-{os.getpid()}"
        self.port_file = workdir / f"{name}.port"
        self.env = {
            **os.environ,
            "TANDEM_ENV": "testing",
            "HOST": "127.0.0.1",
            "PORT": str(port or 0),
            "TANDEM_PORT_FILE": str(self.port_file),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        """Start (or start again, on the port it had) and wait until it answers."""
        if self.port is not None:
            self.env["PORT"] = str(self.port)
        self.port_file.unlink(missing_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.port = wait_for_port_file(self.port_file, self.process)
            response = requests.get(self.url + "/healthz", timeout=5)
            response.raise_for_status()
        except Exception:
            self.stop()
            raise RuntimeError(f"server did not start:\n{self.log()}") from None
        return self

    def set_role(self, username: str, role: str) -> None:
        """Through the command line, as an operator would (on this server's database)."""
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "users", "set-role", username, role],
            cwd=PROJECT_ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: the worker dies without running any cleanup."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class GunicornProcess(ServerProcess):
    """gunicorn with Tandem's gevent worker, as docs/operations.md runs one, with its own
    settings. It binds a free port itself and says which in its log."""

    # How long gunicorn lets a stopping worker's connections run on before it kills them:
    # far longer than Tandem's own stop takes, which closes them all.
    GRACEFUL_SECONDS = 60
    LISTENING = re.compile(rb"Listening at: http://127\.0\.0\.1:(\d+)")

    def start(self) -> ServerProcess:
        log = self.log_path.open("ab")
        offset = self.log_path.stat().st_size
        command = ["-m", "gunicorn", "-k", "gunicorn_worker.Worker", "-w", "1"]
        command += ["--no-control-socket"]
        command += ["--graceful-timeout", str(self.GRACEFUL_SECONDS)]
        self.process = subprocess.Popen(
            [sys.executable, *command, "-b", "127.0.0.1:0", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.port = self._announced_port(offset)
            wait_until_answers(self.url + "/healthz", self.process)
        except Exception:
            self.stop()
            raise RuntimeError(f"gunicorn did not start:\n{self.log()}") from None
        return self

    def _announced_port(self, offset: int, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.LISTENING.search(self.log_path.read_bytes()[offset:])
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"exited with {self.process.returncode} before listening")
            time.sleep(0.05)
        raise TimeoutError(f"gunicorn announced no port within {timeout} s")


def wait_until_answers(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Until `url` answers 200: gunicorn listens before its worker has the application."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before answering")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


class RedisServer:
    """A throwaway redis-server on a free port, persisting nothing; with `password`, one
    that demands it."""

    def __init__(self, workdir: Path, password: str | None = None):
        self.binary = require_program("redis-server")
        self.port = free_port()
        self.workdir = workdir
        self.password = password
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return self.url_with(self.password)

    def url_with(self, password: str | None) -> str:
        """The address with a password of one's choice (a wrong one, say)."""
        credentials = f":{password}@" if password else ""
        return f"redis://{credentials}127.0.0.1:{self.port}/0"

    def start(self, keep_port: bool = False) -> RedisServer:
        """Start on a free port; if another process took it meanwhile, on another one."""
        for _attempt in range(5):
            self.process = subprocess.Popen(
                [
                    self.binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.workdir),
                    *(("--requirepass", self.password) if self.password else ()),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._answers():
                return self
            self.stop()
            if keep_port:
                break
            self.port = free_port()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def _answers(self, timeout: float = 30.0) -> bool:
        """True once this very process answers on the port (its pid in INFO), False if
        it exited, as it does when another process holds the port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                client = redis.Redis(
                    port=self.port,
                    password=self.password,
                    socket_timeout=1,
                    socket_connect_timeout=1,
                )
                with client:
                    if client.info("server")["process_id"] == self.process.pid:
                        return True
            except redis.RedisError:
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> RedisServer:
        """Stop and start again on the same port, empty, as after a crash."""
        self.stop()
        return self.start(keep_port=True)

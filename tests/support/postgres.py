"""A throwaway PostgreSQL cluster: initdb and pg_ctl in a temporary folder, free port. Also
started by bench/writes.py."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.processes import free_port, wait_for_port


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        pytest.fail(
            f"{name} is needed by this test but is not installed. "
            "Install it with: apt-get install -y postgresql",
            pytrace=False,
        )
    return found


class PostgresServer:
    """`settings` are extra `-c name=value` server settings; by default fsync is off,
    which a test's throwaway data does not need."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.settings = {"fsync": "off", **(settings or {})}
        self.initdb = _binary("initdb")
        self.pg_ctl = _binary("pg_ctl")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tandem-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self._as_user: list[str] = []
        self._databases = 0

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        """Start on a free port; if another process took it meanwhile, on another one."""
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            # PostgreSQL will not run as root; Debian's package creates the postgres user.
            account = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._run(self.initdb, "-D", str(self.data), "-U", "tandem", "--auth=trust", "-E", "UTF8")
        log = self.root / "log"
        for _attempt in range(5):
            options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
            options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
            command = [*self._as_user, self.pg_ctl, "-D", str(self.data), "-o", options]
            started = subprocess.run(
                [*command, "-w", "-l", str(log), "start"], capture_output=True, timeout=120
            )
            if started.returncode == 0:
                wait_for_port(self.port)
                return self
            said = log.read_text(errors="replace") if log.exists() else started.stderr.decode()
            if "already in use" not in said:
                raise RuntimeError(f"PostgreSQL did not start:\n{said}")
            self.port = free_port()
        raise RuntimeError(f"PostgreSQL found no free port after 5 tries:\n{said}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://tandem@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        self._databases += 1
        name = f"tandem_{self._databases}"
        with psycopg.connect(
            f"postgresql://tandem@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self._as_user, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)

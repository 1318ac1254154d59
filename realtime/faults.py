"""Fault injection for tests of what survives a crash: a worker armed with the name of
an event (`FAULT_KILL_AFTER_COMMIT`) kills itself with SIGKILL right after committing a
transaction that causes that event, before anything of it was announced."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable

_armed: str | None = None


def arm(event_name: str | None) -> None:
    global _armed
    _armed = event_name or None


def after_commit(names: Iterable[str]) -> None:
    if _armed is not None and _armed in names:
        os.kill(os.getpid(), signal.SIGKILL)

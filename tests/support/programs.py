"""Finding the system programs some tests need, failing loudly when one is missing."""

from __future__ import annotations

import shutil

import pytest

INSTALL_HINTS = {
    "redis-server": "apt-get install -y redis-server",
    "chromium": "apt-get install -y chromium",
    "initdb": "apt-get install -y postgresql",
    "ffmpeg": "apt-get install -y ffmpeg",
}

EXTRA_PATHS = {"chromium": ["/usr/bin/chromium"]}


def require_program(name: str) -> str:
    """The program's path, or a test failure that names the install command."""
    found = shutil.which(name)
    if found:
        return found
    for candidate in EXTRA_PATHS.get(name, []):
        if shutil.which(candidate):
            return candidate
    pytest.fail(
        f"{name} is needed by this test but is not installed. "
        f"Install it with: {INSTALL_HINTS.get(name, 'apt-get install -y ' + name)}",
        pytrace=False,
    )

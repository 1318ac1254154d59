"""Product modules stay small enough to read in one sitting (docs/architecture.md,
"Layout"): a module that outgrows the limit is split by responsibility."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400
NOT_PRODUCT = ("tests/", "bench/", "migrations/", "scripts/")


def _product_modules() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed if not name.startswith(NOT_PRODUCT)]


def test_no_product_module_is_over_the_limit():
    modules = _product_modules()
    assert len(modules) > 50
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if path.exists() and (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert too_long == {}

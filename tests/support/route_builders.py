"""URL builders compiled once per test process rather than once per app.

Werkzeug compiles two URL-building functions for each of the site's rules whenever an
app is made (most of `create_app`'s time), and the suite makes an app for most tests.
A builder's code is generated from the rule's text and parsed parts alone (with nothing
of the rule's defaults, which keep werkzeug's own path), and it reads the rule's
converters through its `self` argument at call time; so a rule of the same text and
parts can take the builder compiled for an earlier app's. `tests/unit/test_route_builders.py`
checks, for every rule of the app, that the shared builder is the code werkzeug would
compile for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.routing.rules import Rule

compile_builder = Rule._compile_builder  # werkzeug's own, which the shared one calls
_compiled: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


def _shared_builder(rule: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    if rule.defaults:
        return compile_builder(rule, append_unknown)
    key = (rule.rule, tuple(rule._trace), append_unknown)
    builder = _compiled.get(key)
    if builder is None:
        builder = _compiled[key] = compile_builder(rule, append_unknown)
    return builder


def share_builders(patch: pytest.MonkeyPatch) -> None:
    """Rules bound from now on take shared builders (`patch` undoes it)."""
    patch.setattr(Rule, "_compile_builder", _shared_builder)

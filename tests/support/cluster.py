"""Helpers for tests of several workers: settings that make presence quick, and waiting."""

from __future__ import annotations

from tests.support.waiting import wait_until

__all__ = ["FAST_PRESENCE", "wait_until"]

FAST_PRESENCE = {"PRESENCE_TTL_SECONDS": "3", "PRESENCE_LINGER_SECONDS": "0.3"}

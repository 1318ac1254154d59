"""Racing requests: several threads, each with its own database session, released at
once, the way simultaneous requests reach several workers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from extensions import db


def race(app: Flask, *calls: Callable[[], Any], timeout: float = 30) -> list[Any]:
    """Run every call at the same moment; give their results, or raise the first error."""
    barrier = threading.Barrier(len(calls), timeout=timeout)
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[index] = call()
            except BaseException as error:  # reported to the test below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive(), "a racing call never finished"
    if errors:
        raise errors[0]
    return results

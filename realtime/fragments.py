"""HTML fragments for htmx pages fed by the SSE extension.

A feature registers, for an event name, the fragment to render and the SSE event name
its page swaps on (`sse-swap`). Views a page asks for (`?view=feed`) add fragments
for every event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from flask import render_template

from realtime.events import Envelope

Renderer = Callable[[Envelope, int], Iterable[tuple[str, str]]]

_renderers: dict[str, list[Renderer]] = {}


def fragment(event_name: str) -> Callable[[Renderer], Renderer]:
    """Register `render(envelope, viewer_id) -> [(sse_name, html), ...]` for an event."""

    def register(render: Renderer) -> Renderer:
        _renderers.setdefault(event_name, []).append(render)
        return render

    return register


def render_fragments(
    envelope: Envelope, views: frozenset[str], viewer_id: int
) -> list[tuple[str, str]]:
    rendered = [
        item for render in _renderers.get(envelope.name, ()) for item in render(envelope, viewer_id)
    ]
    if "feed" in views:
        rendered.append(("feed", _feed_item(envelope)))
    return rendered


def _feed_item(envelope: Envelope) -> str:
    return render_template(
        "partials/feed_item.html",
        event=envelope,
        received=datetime.now(UTC).strftime("%H:%M:%S"),
    )

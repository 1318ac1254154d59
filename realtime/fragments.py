"""HTML fragments for htmx pages fed by the SSE extension.

A feature registers, for an event name, the fragment to render and the SSE event name
its page swaps on (`sse-swap`). Views a page asks for (`?view=feed`) add fragments
for every event. What a page shows that no stored event keeps is registered the same
way: `page_state`, sent when a page's stream reopens, and `opening_state` (presence),
which can change between a page's render and its stream's opening too, sent at every
opening.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from flask import current_app

from realtime.events import Envelope

log = logging.getLogger(__name__)

Renderer = Callable[[Envelope, int], Iterable[tuple[str, str]]]

StateRenderer = Callable[[int, list[int]], Iterable[tuple[str, str]]]

# (view, event name) -> renderers; view None: for every page.
_renderers: dict[tuple[str | None, str], list[Renderer]] = {}
_state_renderers: list[StateRenderer] = []
_opening_renderers: list[StateRenderer] = []


def fragment(event_name: str, view: str | None = None) -> Callable[[Renderer], Renderer]:
    """Register `render(envelope, viewer_id) -> [(sse_name, html), ...]` for an event, on
    every page, or only on those whose stream asks for `view` (a page whose region costs
    a read to draw, which other pages need not pay for)."""

    def register(render: Renderer) -> Renderer:
        _renderers.setdefault((view, event_name), []).append(render)
        return render

    return register


def render_fragments(
    envelope: Envelope, views: frozenset[str], viewer_id: int
) -> list[tuple[str, str]]:
    """Every fragment for one event; a renderer that fails is logged and skipped, so one
    bad fragment never ends the stream."""
    rendered = []
    renderers = [
        render
        for view in (None, *sorted(views))
        for render in _renderers.get((view, envelope.name), ())
    ]
    for render in renderers:
        try:
            rendered.extend(render(envelope, viewer_id))
        except Exception:
            log.exception("Rendering a fragment for %s failed", envelope.name)
    if "feed" in views:
        rendered.append(("feed", _feed_item(envelope)))
    return rendered


def page_state(render: StateRenderer) -> StateRenderer:
    """Register `render(viewer_id, people) -> [(sse_name, html), ...]`: what a page shows
    now, `people` being those whose presence it shows."""
    _state_renderers.append(render)
    return render


def opening_state(render: StateRenderer) -> StateRenderer:
    """Register what a page's stream sends whenever it opens, as `page_state` does only
    when it reopens: state no event of the log carries, which may have changed since
    the page was drawn (someone's presence)."""
    _opening_renderers.append(render)
    return render


def render_page_state(viewer_id: int, people: list[int], reopened: bool) -> list[tuple[str, str]]:
    """What a page's stream sends as it opens (`reopened`: after a drop), `people` being
    those whose presence it shows."""
    renderers = [*_opening_renderers, *(_state_renderers if reopened else ())]
    return [shown for render in renderers for shown in render(viewer_id, people)]


def render_fragment(template: str, **context: object) -> str:
    """Render a fragment template with only what it is given: unlike render_template,
    no context processor runs (they serve whole pages and may query the database)."""
    return current_app.jinja_env.get_template(template).render(**context)


def _feed_item(envelope: Envelope) -> str:
    return render_fragment(
        "partials/feed_item.html", event=envelope, received=datetime.now(UTC).strftime("%H:%M:%S")
    )

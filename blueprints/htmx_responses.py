"""Answering a page's form or link as a whole page or, for htmx, as the piece to swap.

Every form is a plain POST that comes back to a page (Post/Redirect/Get), so pages work
without JavaScript; htmx requests (the `HX-Request` header) get a fragment, or are told
where to go with `HX-Redirect`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, make_response, redirect, request
from werkzeug.wrappers import Response

from errors import ServiceError
from request_body import whole_number


def is_htmx() -> bool:
    """The request comes from htmx (it swaps a fragment instead of loading a page)."""
    return bool(request.headers.get("HX-Request"))


def id_value(raw: str | None) -> int | None:
    """A positive id from a form or query value, else None."""
    return whole_number(raw) or None


def int_or_raw(raw: str | None) -> int | str | None:
    """A form number as int; empty as None; anything else as given, for the service to
    refuse with its own message."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    number = whole_number(raw)
    return raw if number is None else number


def refusal_status(refused: bool, status: int = 200) -> int:
    """The status of a page that may say why it refused what was asked (a search query):
    400 to a browser's page load; to htmx, which swaps only successful answers, `status`,
    so the refusal takes the place of what the region showed before."""
    return 400 if refused and not is_htmx() else status


def go(url: str) -> Response:
    """Redirect; htmx requests are told to load the page themselves."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def manage(action: Callable[[], object], done: str, back: str) -> Response:
    """Run one action; its outcome (the service's refusal, or `done`) is flashed on the
    page at `back`, where the browser goes next."""
    try:
        action()
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(done, "success")
    return go(back)

"""Error responses: the contract's JSON shape under /api/, friendly pages elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from blueprints.htmx_responses import is_htmx
from errors import ServiceError
from realtime import metrics

log = logging.getLogger(__name__)

CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
}

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in first.",
    403: "You are not allowed to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    409: "That conflicts with something that already exists.",
    413: "That is too large.",
    415: "Send JSON with Content-Type: application/json.",
    429: "Too many requests. Please slow down and try again shortly.",
    500: "Something went wrong on our side. It has been logged.",
}

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "Conflict",
    413: "Too large",
    429: "Slow down",
    500: "Something went wrong",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/metrics"


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    details: dict[str, object] | None = None,
):
    if is_htmx():
        # An htmx request swaps nothing on an error: the page shows these words instead.
        return Response(message, mimetype="text/plain"), status
    if wants_json():
        error = {"code": code, "message": message}
        if field:
            error["field"] = field
        error.update(details or {})
        return jsonify({"error": error}), status
    page = render_template(
        "errors/error.html", status=status, title=TITLES.get(status, "Error"), message=message
    )
    return page, status


def _service_error(error: ServiceError):
    return error_response(error.status, error.code, error.message, error.field, error.details)


def _csrf_error(error: CSRFError):
    if is_htmx() and not current_user.is_authenticated:
        # The page's sign-in is gone (and its CSRF token with it): say so, on a whole page.
        response = Response("Signed out.", status=401, mimetype="text/plain")
        response.headers["HX-Redirect"] = url_for("auth.signed_out")
        return response
    message = "Your session form expired or was sent from elsewhere. Reload the page and try again."
    return error_response(400, "csrf_failed", message)


def _http_error(error: HTTPException):
    status = error.code or 500
    message = MESSAGES.get(status, error.description or "Error")
    if status == 429:
        metrics.rate_limited("http")
        if error.description:
            message = f"Too many requests (limit: {error.description}). Try again shortly."
    response, status = error_response(status, CODES.get(status, "error"), message)
    return response, status, _kept_headers(error)


def _kept_headers(error: HTTPException) -> dict[str, str]:
    """Headers such as Allow or Retry-After that the original response carried."""
    original = error.get_response()
    return {
        name: value
        for name, value in original.headers.items()
        if name in ("Allow", "Retry-After", "WWW-Authenticate")
    }


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("Unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)

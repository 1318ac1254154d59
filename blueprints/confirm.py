"""Destructive actions ask before they act, one way everywhere (docs/architecture.md).

With JavaScript, static/js/confirm.js asks in the browser's own dialog and sends
``confirm=yes``; without it, the first POST answers with a confirmation page whose form
sends the same fields again with ``confirm=yes``."""

from __future__ import annotations

from flask import render_template, request


def not_yet_sure(question: str, button: str, back: str, detail: str = "") -> str | None:
    """The confirmation page while the form lacks ``confirm=yes``; None once it has it.

    Call it after the checks of who may act, so a refusal stays the same 403 or 404."""
    if request.form.get("confirm") == "yes":
        return None
    fields = [
        (name, value)
        for name, values in request.form.lists()
        if name not in ("csrf_token", "confirm")
        for value in values
    ]
    return render_template(
        "confirm.html",
        question=question,
        detail=detail,
        button=button,
        action=request.path,
        fields=fields,
        back=back,
    )

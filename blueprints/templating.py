"""Jinja filters shared by every page."""

from __future__ import annotations

import math
import re
from datetime import datetime

from flask import Flask, url_for
from markupsafe import Markup, escape

from models.clock import as_utc, utcnow

# A web address (http or https only) or an @mention, found in the raw text; everything
# between and inside them is escaped before it becomes markup.
_LINKABLE = re.compile(
    r"(?P<url>\bhttps?://[^\s<>\"'`]+)|(?<![\w@/])@(?P<user>[a-z0-9_]{3,32})\b", re.IGNORECASE
)
_TRAILING = ".,;:!?'\")]}"


def ago(moment: str | datetime | None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago', or the date."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    seconds = (utcnow() - as_utc(moment)).total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            if unit == "day" and count > 30:
                return moment.strftime("%d %b %Y")
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def when(moment: str | datetime | None) -> str:
    """A moment as people read it: '30 Nov 2026, 14:05 UTC'."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return as_utc(moment).strftime("%d %b %Y, %H:%M UTC")


def seconds_until(moment: str | datetime | None) -> int:
    """Whole seconds from now until `moment` (0 once it has passed), for a page's script to
    act on at that time whatever the browser's clock says (static/js/expiry.js)."""
    if not moment:
        return 0
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return max(0, math.ceil((as_utc(moment) - utcnow()).total_seconds()))


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device(user_agent: str | None) -> str:
    """A browser's User-Agent as people say it: 'Firefox on Linux'; the raw text when
    neither is recognised (shown escaped), '' when there is none."""
    if not user_agent:
        return ""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or user_agent[:60]


def linkify(text: str | None) -> Markup:
    """Plain text as markup: escaped, with http(s) addresses as links that leave the site
    and @username as a link to that profile. No HTML from the text ever gets through."""
    if not text:
        return Markup("")
    parts: list[str] = []
    position = 0
    for match in _LINKABLE.finditer(text):
        parts.append(escape(text[position : match.start()]))
        position = match.end()
        if match.group("url"):
            url = _trim_url(match.group("url"))
            position = match.start() + len(url)
            if not url.partition("://")[2]:
                parts.append(escape(url))
                continue
            parts.append(
                Markup(
                    '<a href="{0}" rel="nofollow noopener noreferrer" target="_blank">{0}</a>'
                ).format(url)
            )
        else:
            username = match.group("user")
            href = url_for("social.profile", username=username.lower())
            parts.append(Markup('<a href="{}" class="mention">@{}</a>').format(href, username))
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def _trim_url(url: str) -> str:
    """Leave sentence punctuation after an address out of it (but keep a closing bracket
    that has its opening one inside, as in Wikipedia addresses)."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def register_template_filters(app: Flask) -> None:
    app.add_template_filter(ago)
    app.add_template_filter(when)
    app.add_template_filter(device)
    app.add_template_filter(linkify)
    app.add_template_filter(seconds_until)

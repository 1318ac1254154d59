"""Which links a party can play: YouTube videos and direct video links."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from errors import ValidationError
from services.validation import refuse_longer

MEDIA_URL_MAX = 500
YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtu.be",
    "www.youtube-nocookie.com",
}
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")


def media_kind(url: object, field: str = "media_url") -> tuple[str, str]:
    """('youtube', video id) or ('direct', url) for an acceptable link; 400 otherwise,
    naming `field` (the input the link came in)."""
    if not isinstance(url, str):
        raise ValidationError(f"'{field}' must be a link.", field=field)
    url = url.strip()
    refuse_longer(url, MEDIA_URL_MAX, field, "That link is too long.")
    if any(ord(c) < 33 for c in url):
        raise ValidationError("Links have no spaces or control characters.", field=field)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "Use a YouTube link or a direct video link starting with http:// or https://.",
            field=field,
        )
    host = parts.hostname.lower()
    if host in YOUTUBE_HOSTS:
        video = _youtube_id(host, parts)
        if video is None:
            raise ValidationError("That YouTube link names no video.", field=field)
        return "youtube", video
    return "direct", url


def _youtube_id(host: str, parts) -> str | None:
    if host == "youtu.be":
        candidate = parts.path.lstrip("/").split("/")[0]
    elif parts.path.startswith(("/embed/", "/shorts/", "/live/")):
        candidate = parts.path.split("/")[2]
    else:
        candidate = parse_qs(parts.query).get("v", [""])[0]
    return candidate if YOUTUBE_ID.fullmatch(candidate or "") else None


def clean_media(url: object, field: str = "media_url") -> str:
    media_kind(url, field)
    return url.strip()


def player(url: str | None) -> dict | None:
    """How a page plays a link with its own controls: YouTube's embed (its script
    interface on, so the page may seek it) or the file itself; None without a link."""
    if not url:
        return None
    kind, ref = media_kind(url)
    if kind == "youtube":
        return {"kind": kind, "src": f"https://www.youtube-nocookie.com/embed/{ref}?enablejsapi=1"}
    return {"kind": kind, "src": url}

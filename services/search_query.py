"""The search box's language: words, "quoted phrases" and filters.

`from:username`, `in:<conversation id or name>`, `kind:people|rooms|messages|...`,
`after:YYYY-MM-DD`, `before:YYYY-MM-DD`. A filter's value may be quoted (`in:"film club"`).
Any filter but `kind:` narrows the search to messages. Everything else is words, matched
whole after stemming ("watched" finds "watching"), accents aside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from errors import ValidationError
from services.validation import clean_text, refuse_longer

QUERY_MAX = 200
TERMS_MAX = 12
KINDS = ("person", "room", "party", "message", "post", "comment", "playlist", "clip")
KIND_NAMES = {
    "person": "person",
    "people": "person",
    "user": "person",
    "users": "person",
    "room": "room",
    "rooms": "room",
    "group": "room",
    "groups": "room",
    "message": "message",
    "messages": "message",
    "post": "post",
    "posts": "post",
    "playlist": "playlist",
    "playlists": "playlist",
    "clip": "clip",
    "clips": "clip",
    "comment": "comment",
    "comments": "comment",
    "party": "party",
    "parties": "party",
}
# The kinds a room's category narrows: rooms and groups, and the messages in them.
CATEGORISED = ("room", "message")
MESSAGE_FILTERS = ("from", "in", "after", "before")

# A filter (key:value or key:"value"), a quoted phrase, or a word.
_TOKEN = re.compile(
    r'(?P<key>[a-z]+):(?:"(?P<quoted>[^"]*)"?|(?P<value>\S*))|"(?P<phrase>[^"]*)"?|(?P<word>\S+)'
)
_WORD = re.compile(r"\w")


@dataclass
class Query:
    terms: list[str] = field(default_factory=list)  # each word or phrase, searched as a phrase
    kinds: tuple[str, ...] = KINDS
    sender: str | None = None
    place: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    category: str | None = None  # rooms and groups of that category, and their messages

    @property
    def has_filters(self) -> bool:
        return any(
            value is not None for value in (self.sender, self.place, self.after, self.before)
        )


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"'{name}:' takes a date such as 2026-12-01.", field="q") from None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def kind_of(value: str) -> str:
    """A kind's canonical name from any of its spellings."""
    kind = KIND_NAMES.get(value.lower())
    if kind is None:
        raise ValidationError(
            "Search kinds are people, rooms, parties, messages, posts, comments, playlists "
            "and clips.",
            field="kind",
            code="invalid",
        )
    return kind


def _apply(query: Query, key: str, value: str) -> None:
    if not value:
        raise ValidationError(f"'{key}:' needs a value after the colon.", field="q")
    if key == "kind":
        query.kinds = (kind_of(value),)
    elif key == "from":
        query.sender = value.lstrip("@")
    elif key == "in":
        query.place = value
    elif key == "after":
        query.after = _start_of(_day(value, key) + timedelta(days=1))
    elif key == "before":
        query.before = _start_of(_day(value, key))


def parse(raw: object) -> Query:
    """The query typed in the box; a `ValidationError` (field `q`) says what is wrong."""
    if not isinstance(raw, str):
        raise ValidationError("'q' must be text.", field="q")
    text = clean_text(raw.strip(), "q", strip=True)
    refuse_longer(text, QUERY_MAX, "q", f"Search for at most {QUERY_MAX} characters.")
    query = Query()
    for match in _TOKEN.finditer(text):
        key = match.group("key")
        if key in ("kind", *MESSAGE_FILTERS):
            _apply(query, key, (match.group("quoted") or match.group("value") or "").strip())
            continue
        term = (match.group("phrase") or match.group(0)).replace('"', " ").strip()
        if _WORD.search(term):
            query.terms.append(term)
    if len(query.terms) > TERMS_MAX:
        raise ValidationError(f"Search for at most {TERMS_MAX} words or phrases.", field="q")
    if not query.terms and not query.has_filters:
        raise ValidationError("Type a word to search for.", field="q")
    if query.has_filters:
        query.kinds = ("message",)
    return query

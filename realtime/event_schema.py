"""The small vocabulary realtime/events.py declares the event contract in.

An event is declared once: its name, whether it is durable, and for each kind of
channel it may be published on, the shape of its payload. A shape names its required
and optional keys and each key's type; a type is a Python type (`str`, `int`, `bool`,
`NUMBER` for any JSON number), another `Shape`, `ListOf(...)`, `Nullable(...)` or
`OneOf(...)` (one of a few literal values). Shapes are closed: a key they do not name
is an error, so a payload cannot grow a field the contract does not know of.

`Contract.check(channel, name, data)` raises `ContractError` naming the event, the
channel and the offending key when an event breaks its declaration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class ContractError(ValueError):
    """An event that is not declared, on the wrong kind of channel, or whose payload does
    not have its declared shape."""


@dataclass(frozen=True, slots=True)
class Nullable:
    """The value, or None."""

    of: Any


@dataclass(frozen=True, slots=True)
class ListOf:
    of: Any


@dataclass(frozen=True, slots=True)
class OneOf:
    """One of a few literal values (a status, a role)."""

    values: tuple[Any, ...]

    def __init__(self, *values: Any) -> None:
        object.__setattr__(self, "values", values)


class _Number:
    """Any JSON number: an int or a float, never a bool."""

    def __repr__(self) -> str:
        return "number"


NUMBER = _Number()


@dataclass(frozen=True, slots=True)
class Shape:
    """A JSON object: its required keys, its optional keys, each with its type."""

    required: Mapping[str, Any]
    optional: Mapping[str, Any] = field(default_factory=dict)

    def extend(
        self, required: Mapping[str, Any] | None = None, optional: Mapping[str, Any] | None = None
    ) -> Shape:
        """This shape with more keys."""
        return Shape({**self.required, **(required or {})}, {**self.optional, **(optional or {})})


@dataclass(frozen=True, slots=True)
class ChannelKind:
    """A kind of channel ("user" for user:<id>), recognised by a full-match pattern."""

    name: str
    pattern: str

    def matches(self, channel: str) -> bool:
        return re.fullmatch(self.pattern, channel) is not None


@dataclass(frozen=True, slots=True)
class Event:
    """One server-to-client event. `payloads` gives, per kind of channel it may go on,
    the shape of its payload there (most events have one shape on every channel).
    `state`: an ephemeral event describing current state, sent again after a resume.
    `internal`: never reaches a client (the workers' control messages)."""

    name: str
    durable: bool
    payloads: Mapping[ChannelKind, Shape]
    state: bool = False
    internal: bool = False

    @property
    def channels(self) -> tuple[ChannelKind, ...]:
        return tuple(self.payloads)


def on(kinds: ChannelKind | Iterable[ChannelKind], shape: Shape) -> dict[ChannelKind, Shape]:
    """`shape` on each of `kinds`: the pieces of an Event's `payloads`."""
    if isinstance(kinds, ChannelKind):
        kinds = (kinds,)
    return dict.fromkeys(kinds, shape)


def _type_name(spec: Any) -> str:
    if isinstance(spec, type):
        return spec.__name__
    if isinstance(spec, Nullable):
        return f"{_type_name(spec.of)} or null"
    if isinstance(spec, ListOf):
        return f"list of {_type_name(spec.of)}"
    if isinstance(spec, OneOf):
        return "one of " + ", ".join(repr(value) for value in spec.values)
    if isinstance(spec, Shape):
        return "object"
    return repr(spec)


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


def problem(spec: Any, value: Any, path: str) -> str | None:
    """What is wrong with `value` as a `spec`, naming the key at `path`; None if nothing."""
    if isinstance(spec, Nullable):
        return None if value is None else problem(spec.of, value, path)
    if isinstance(spec, OneOf):
        if any(
            value == allowed and isinstance(value, bool) == isinstance(allowed, bool)
            for allowed in spec.values
        ):
            return None
        return f"{path} must be {_type_name(spec)}, got {_describe(value)}"
    if isinstance(spec, ListOf):
        return _list_problem(spec, value, path)
    if isinstance(spec, Shape):
        return _shape_problem(spec, value, path)
    if spec is NUMBER:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif spec is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(spec, type):
        ok = isinstance(value, spec)
    else:
        raise TypeError(f"not a type of the event contract: {spec!r}")
    return None if ok else f"{path} must be {_type_name(spec)}, got {_describe(value)}"


def _list_problem(spec: ListOf, value: Any, path: str) -> str | None:
    if not isinstance(value, list):
        return f"{path} must be a list, got {_describe(value)}"
    for index, item in enumerate(value):
        found = problem(spec.of, item, f"{path}[{index}]")
        if found:
            return found
    return None


def _shape_problem(shape: Shape, value: Any, path: str) -> str | None:
    if not isinstance(value, dict):
        return f"{path or 'the payload'} must be an object, got {_describe(value)}"
    prefix = f"{path}." if path else ""
    for key, spec in shape.required.items():
        if key not in value:
            return f"{prefix}{key} is required ({_type_name(spec)}) but missing"
        found = problem(spec, value[key], f"{prefix}{key}")
        if found:
            return found
    for key, item in value.items():
        if key in shape.required:
            continue
        if key not in shape.optional:
            return f"{prefix}{key} is not a declared key"
        found = problem(shape.optional[key], item, f"{prefix}{key}")
        if found:
            return found
    return None


class Contract:
    """Every declared event, by name."""

    def __init__(self, kinds: Iterable[ChannelKind], events: Iterable[Event]) -> None:
        self.kinds = tuple(kinds)
        self.events: dict[str, Event] = {}
        for event in events:
            if event.name in self.events:
                raise ValueError(f"event {event.name!r} is declared twice")
            if not event.payloads:
                raise ValueError(f"event {event.name!r} names no channel")
            self.events[event.name] = event

    def get(self, name: str) -> Event:
        try:
            return self.events[name]
        except KeyError:
            raise ContractError(f"event {name!r} is not declared in realtime/events.py") from None

    def kind_of(self, channel: str) -> ChannelKind | None:
        return next((kind for kind in self.kinds if kind.matches(channel)), None)

    def check(self, channel: str, name: str, data: Any) -> None:
        event = self.get(name)
        if not isinstance(channel, str):
            raise ContractError(f"event {name!r}: the channel must be text, got {channel!r}")
        kind = self.kind_of(channel)
        shape = event.payloads.get(kind) if kind is not None else None
        if shape is None:
            allowed = ", ".join(k.name for k in event.channels)
            raise ContractError(
                f"event {name!r} may not be published on channel {channel!r} (allowed: {allowed})"
            )
        found = _shape_problem(shape, data, "")
        if found:
            raise ContractError(f"event {name!r} on {channel!r}: {found}")

"""Errors raised by services and the layers below them; every transport turns them into the
contract's error shape."""

from __future__ import annotations

from typing import TypeVar

Granted = TypeVar("Granted")


class ServiceError(Exception):
    """A request that cannot be carried out, with a stable code and a human message."""

    status = 400
    code = "invalid"

    def __init_subclass__(cls, *, status: int, code: str, **kwargs: object) -> None:
        """Each kind of error names its HTTP status and default code where it is declared."""
        super().__init_subclass__(**kwargs)
        cls.status = status
        cls.code = code

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        details: dict[str, object] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        # What the client needs to recover (a stale write's current state).
        self.details = details
        if code:
            self.code = code

    def to_dict(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        if self.details:
            error.update(self.details)
        return error


class ValidationError(ServiceError, status=400, code="invalid"):
    """The input breaks a rule: a field missing, too long, out of range."""


class Unauthenticated(ServiceError, status=401, code="unauthenticated"):
    """Nobody is signed in, or the credentials are no longer good."""


class Forbidden(ServiceError, status=403, code="forbidden"):
    """The person is known but may not do this."""


class NotFound(ServiceError, status=404, code="not_found"):
    """It does not exist, or the person may not know that it does."""


class Conflict(ServiceError, status=409, code="conflict"):
    """It clashes with the current state (taken, already done, changed meanwhile)."""


class Unavailable(ServiceError, status=503, code="unavailable"):
    """This worker is stopping: the client should reconnect (to another) and retry."""


def granted(
    access: Granted, allowed: bool, refusal: str | ServiceError, code: str | None = None
) -> Granted:
    """`access`, when what it allows covers the request; else the refusal: an error as
    given, or words, refused as Forbidden (with `code`). Words make no error until one is
    raised: the hottest checks pass them."""
    if not allowed:
        raise refusal if isinstance(refusal, ServiceError) else Forbidden(refusal, code=code)
    return access

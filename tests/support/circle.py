"""ann's circle, the cast of the posts and comments tests: ben her friend, cat her
follower, dan a stranger, and a moderator."""

from __future__ import annotations

from collections.abc import Callable

from models.user import Role, User
from services import social


def anns_circle(make_user: Callable[..., User], moderator: str) -> dict[str, User]:
    """ann; ben, her friend (they follow each other); cat, who only follows her; dan, a
    stranger; and under "mod" a moderator named `moderator`. `make_user` is the
    user_factory fixture."""
    cast = {name: make_user(name) for name in ("ann", "ben", "cat", "dan")}
    cast["mod"] = make_user(moderator, role=Role.MODERATOR)
    social.follow(cast["ben"], "ann")
    social.follow(cast["ann"], "ben")
    social.follow(cast["cat"], "ann")
    return cast

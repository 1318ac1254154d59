"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from models.stream import StreamEvent, StreamMark
from models.user import ApiToken, Role, User

__all__ = ["ApiToken", "Role", "StreamEvent", "StreamMark", "User"]

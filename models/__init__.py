"""SQLAlchemy models, one module per domain. Importing this package registers them all."""

from models.user import ApiToken, Role, User

__all__ = ["ApiToken", "Role", "User"]

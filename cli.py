"""Command-line administration: `flask --app app users ...` and `... search reindex`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from errors import ServiceError
from models.user import Role
from services import accounts, search_index

users = AppGroup("users", help="Create accounts and change roles.")

ROLE_CHOICE = click.Choice([role.value for role in Role])


@users.command("create")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, default=Role.USER.value, show_default=True)
@click.password_option(help="Prompted for when not given.")
def create_user(name: str, role: str, password: str) -> None:
    """Create the account NAME."""
    try:
        user = accounts.register(name, password, Role(role))
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.username} ({user.role}).")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=ROLE_CHOICE)
def set_role(name: str, role: str) -> None:
    """Give the account NAME the role ROLE."""
    try:
        user = accounts.set_role(name, role)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.username} is now {user.role}.")


search = AppGroup("search", help="Look after the full-text search index.")


@search.command("reindex")
def reindex() -> None:
    """Build the search index again from every kind stored (people, rooms, messages,
    posts, comments, playlists, clips, parties)."""
    counts = search_index.rebuild()
    entries = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    click.echo(f"Search index rebuilt: {entries}.")

"""The committed migrations produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from extensions import db
from models.search_schema import include_name


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"render_as_batch": True, "include_name": include_name}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []

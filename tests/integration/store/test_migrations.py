"""The Alembic migrations build exactly the schema the SQLAlchemy models describe (SQLite and PostgreSQL).

A model changed without a migration (or a migration that drifts from its model) shows up here as the operations
`alembic revision --autogenerate` would write.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opensop.services.workspace import Workspace
from opensop.store.tables import Base


def test_migrations_match_the_models(workspace: Workspace) -> None:
    with workspace.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        drift = compare_metadata(context, Base.metadata)
    assert drift == []

"""Alembic environment: runs on the engine handed over by `opensop.store.database.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from opensop.store.tables import Base

engine: Engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()

"""A workspace: the database (SQLite file by default, PostgreSQL when configured) and its session factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from opensop.config import Settings
from opensop.errors import NotFoundError
from opensop.store.database import make_engine, session_factory, upgrade


@dataclass(frozen=True)
class Workspace:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def init_workspace(settings: Settings) -> Workspace:
    """Create the workspace folder and bring the database schema up to date (safe to run again)."""
    settings.workspace.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    return Workspace(settings, engine, session_factory(engine))


def open_workspace(settings: Settings) -> Workspace:
    """Open an initialised workspace; a missing one is a user mistake with a clear remedy."""
    url = settings.resolved_database_url
    if url.startswith("sqlite") and not (settings.workspace / "opensop.db").exists() and not settings.database_url:
        raise NotFoundError(
            f"no OpenSOP workspace in {settings.workspace.resolve()}",
            hint="run `opensop init` first (or set OPENSOP_WORKSPACE)",
        )
    engine = make_engine(url)
    if not inspect(engine).has_table("dataset_load"):
        engine.dispose()
        raise NotFoundError("the database has no OpenSOP schema", hint="run `opensop init` first")
    return Workspace(settings, engine, session_factory(engine))

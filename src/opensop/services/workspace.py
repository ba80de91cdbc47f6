"""A workspace: the database (SQLite file by default, PostgreSQL when configured) and its session factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from opensop.config import Settings
from opensop.errors import NotFoundError, WorkspaceError
from opensop.store.database import make_engine, session_factory, storage_failure, upgrade

T = TypeVar("T")


@dataclass(frozen=True)
class Workspace:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def _usable(engine: Engine, action: Callable[[], T]) -> T:
    """Run `action`; a database that cannot be used (read-only, damaged) is a WorkspaceError, not a traceback."""
    try:
        return action()
    except (OperationalError, DatabaseError) as error:
        failure = storage_failure(error, str(engine.url.database or engine.url))
        engine.dispose()
        if failure is None:
            raise
        raise failure from error


def init_workspace(settings: Settings) -> Workspace:
    """Create the workspace folder and bring the database schema up to date (safe to run again)."""
    try:
        settings.workspace.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WorkspaceError(
            f"cannot create the workspace folder {settings.workspace}: {error.strerror}",
            hint="choose a folder you can write to (--workspace or OPENSOP_WORKSPACE)",
        ) from error
    engine = make_engine(settings.resolved_database_url)
    _usable(engine, lambda: upgrade(engine))
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
    if not _usable(engine, lambda: inspect(engine).has_table("dataset_load")):
        engine.dispose()
        raise NotFoundError("the database has no OpenSOP schema", hint="run `opensop init` first")
    return Workspace(settings, engine, session_factory(engine))

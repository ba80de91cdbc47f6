"""Engine and session factory, and the schema migration that `opensop init` runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from opensop.errors import DatabaseBusy

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """SQLite gets foreign keys switched on and a busy timeout (30 s, or the URL's `?timeout=`), so it behaves like
    the production database."""
    if url.startswith("sqlite"):
        timeout = make_url(url).query.get("timeout", "30")
        engine = create_engine(
            url, connect_args={"timeout": float(timeout if isinstance(timeout, str) else timeout[0])}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# What contention looks like: SQLite's lock, PostgreSQL's serialization failures, deadlocks, lock time-outs and
# dropped or refused connections (SQLSTATE classes 40, 55P03, 53300, 08, 57P01), the pool out of connections.
BUSY_STATES = ("40001", "40P01", "55P03", "53300", "57P01", "08000", "08001", "08003", "08006")
BUSY_TEXTS = ("database is locked", "database table is locked", "could not serialize", "deadlock detected")


def is_busy(error: Exception) -> bool:
    """Whether a database error is contention (the same work can succeed a moment later) rather than a fault."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return state in BUSY_STATES or any(text in str(error.orig).lower() for text in BUSY_TEXTS)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any exception. Contention is raised as
    DatabaseBusy (nothing was written; try again), so no adapter shows a busy database as a crash."""
    try:
        with factory() as session, session.begin():
            yield session
    except (OperationalError, PoolTimeout) as error:
        if is_busy(error):
            cause = error.orig if isinstance(error, OperationalError) else error
            raise DatabaseBusy(f"the database is busy ({type(cause).__name__}): nothing was written") from error
        raise

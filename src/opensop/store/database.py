"""Engine and session factory, and the schema migration that `opensop init` runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from opensop.config import DB_POOL_OVERFLOW, DB_POOL_SIZE
from opensop.errors import WorkspaceError

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """SQLite gets foreign keys switched on and a busy timeout, so it behaves like the production database. The pool
    holds as many connections as the server serves requests at once (`config.SERVER_THREADS`)."""
    pool = {"pool_size": DB_POOL_SIZE, "max_overflow": DB_POOL_OVERFLOW}
    if url.startswith("sqlite"):
        in_memory = ":memory:" in url or url.rstrip("/") == "sqlite:"
        engine = create_engine(url, connect_args={"timeout": 30}, **({} if in_memory else pool))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


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


STORAGE_FAILURES = (
    "readonly database",
    "read-only",
    "file is not a database",
    "database disk image is malformed",
    "unable to open database file",
    "disk i/o error",
)


def storage_failure(error: DBAPIError, where: str) -> WorkspaceError | None:
    """The user-facing error for a database that cannot be used at all (as opposed to a bug or a busy database)."""
    text = str(error.orig).lower()
    if not any(failure in text for failure in STORAGE_FAILURES):
        return None
    if "read" in text and "only" in text:
        return WorkspaceError(
            f"the workspace database {where} is read-only: nothing can be saved",
            hint="give the user running OpenSOP write access to the database file and its folder",
        )
    return WorkspaceError(
        f"the workspace database {where} cannot be read: the file is damaged, truncated or not an OpenSOP database",
        hint="restore it from a backup, or create a new workspace with `opensop init`",
    )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any exception. A database that cannot be
    written or read at all becomes a `WorkspaceError` naming it, never a driver traceback."""
    try:
        with factory() as session, session.begin():
            yield session
    except (OperationalError, DatabaseError) as error:
        bind = factory.kw.get("bind")
        failure = storage_failure(error, str(bind.url.database) if bind is not None else "")
        if failure is None:
            raise
        raise failure from error

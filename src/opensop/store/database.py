"""Engine and session factory, and the schema migration that `opensop init` runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from opensop.config import DB_POOL_OVERFLOW, DB_POOL_SIZE
from opensop.errors import DatabaseBusy, WorkspaceError

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """SQLite gets foreign keys switched on and a busy timeout (30 s, or the URL's `?timeout=`), so it behaves like
    the production database. The pool holds as many connections as the server serves requests at once
    (`config.SERVER_THREADS`)."""
    pool = {"pool_size": DB_POOL_SIZE, "max_overflow": DB_POOL_OVERFLOW}
    if url.startswith("sqlite"):
        timeout = make_url(url).query.get("timeout", "30")
        in_memory = ":memory:" in url or url.rstrip("/") == "sqlite:"
        engine = create_engine(
            url,
            connect_args={"timeout": float(timeout if isinstance(timeout, str) else timeout[0])},
            **({} if in_memory else pool),
        )

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
    DatabaseBusy (nothing was written; try again), so no adapter shows a busy database as a crash; a database that
    cannot be written or read at all (read-only, damaged) becomes a `WorkspaceError` naming it."""
    try:
        with factory() as session, session.begin():
            yield session
    except (OperationalError, PoolTimeout) as error:
        if is_busy(error):
            cause = error.orig if isinstance(error, OperationalError) else error
            raise DatabaseBusy(f"the database is busy ({type(cause).__name__}): nothing was written") from error
        failure = storage_failure(error, _database_of(factory)) if isinstance(error, OperationalError) else None
        if failure is None:
            raise
        raise failure from error
    except DatabaseError as error:
        failure = storage_failure(error, _database_of(factory))
        if failure is None:
            raise
        raise failure from error


def _database_of(factory: sessionmaker[Session]) -> str:
    bind = factory.kw.get("bind")
    return str(bind.url.database) if bind is not None else ""

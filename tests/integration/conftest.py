"""Databases for the storage tests: a SQLite file and the local PostgreSQL server (one schema per test).

In CI (CI=true) an unreachable PostgreSQL fails the run instead of skipping: those tests must run there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from opensop.config import Settings
from opensop.services.workspace import Workspace, init_workspace

POSTGRES_URL = os.environ.get("OPENSOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_schema_url() -> Iterator[str]:
    schema = f"opensop_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'opensop.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def workspace(database_url: str, tmp_path: Path) -> Iterator[Workspace]:
    opened = init_workspace(Settings(workspace=tmp_path / "ws", database_url=database_url))
    yield opened
    opened.dispose()

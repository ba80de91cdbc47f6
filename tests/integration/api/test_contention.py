"""A busy database is a wait or a 503 with Retry-After, never a 500, and nothing is lost: another connection holds
the lock a write needs (SQLite: an exclusive transaction; PostgreSQL: an exclusive table lock with the app's
lock_timeout short), the API and the web answer 503, and the same write succeeds once the lock is gone."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text

from opensop.api import create_app
from opensop.config import Settings
from opensop.cycle.permissions import Role
from opensop.services import cycles, plans
from opensop.services.workspace import Workspace, init_workspace
from opensop.web import mount
from tests.integration.api.conftest import SETUP, TestClient, add_users, login_all
from tests.integration.conftest import POSTGRES_URL
from tests.integration.services.conftest import measures

CELL = {"level": "item", "item_id": "G1", "region_id": "FR", "period": "2025-01-01", "value": 120.0}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def locked_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Workspace, str]]:
    """A workspace whose lock waits are short, and the kind of store."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'busy.db'}?timeout=0.5"
        workspace = init_workspace(Settings(workspace=tmp_path / "ws", database_url=url))
        yield workspace, "sqlite"
        workspace.dispose()
        return
    schema = f"opensop_busy_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}%20-clock_timeout%3D500"
    workspace = init_workspace(Settings(workspace=tmp_path / "ws", database_url=url))
    try:
        yield workspace, "postgresql"
    finally:
        workspace.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _hold_lock(workspace: Workspace, store: str) -> object:
    """Another session holding what every write needs, until closed."""
    if store == "sqlite":
        path = workspace.engine.url.database
        holder = sqlite3.connect(str(path), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        return holder
    holder_engine = create_engine(workspace.engine.url)
    connection = holder_engine.connect()
    connection.execute(text("BEGIN"))
    connection.execute(text("LOCK TABLE plan_override IN ACCESS EXCLUSIVE MODE"))
    return (holder_engine, connection)


def _release(holder: object) -> None:
    if isinstance(holder, sqlite3.Connection):
        holder.execute("ROLLBACK")
        holder.close()
        return
    engine, connection = holder  # type: ignore[misc]
    connection.rollback()
    connection.close()
    engine.dispose()


def test_a_locked_database_answers_503_with_retry_after_and_loses_nothing(
    locked_store: tuple[Workspace, str],
) -> None:
    workspace, store = locked_store
    add_users(workspace)
    cycle = cycles.open_cycle(workspace, actor=SETUP, period=date(2024, 12, 1)).cycle
    draft = plans.create_version(workspace, actor=SETUP, cycle_id=cycle.id, measures=measures())
    app: FastAPI = create_app(workspace.settings, workspace=workspace)
    mount(app, workspace.settings, workspace=workspace)
    with TestClient(app) as client:
        headers = login_all(client)[Role.DEMAND_PLANNER]
        body = {**CELL, "source": "demand_planner", "expected_row_version": 0, "reason": "busy test"}
        holder = _hold_lock(workspace, store)
        try:
            busy = client.put(f"/plan-versions/{draft.id}/overrides", headers=headers, json=body)
        finally:
            _release(holder)
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "2"
        assert busy.json()["detail"]["error"] == "DatabaseBusy"
        done = client.put(f"/plan-versions/{draft.id}/overrides", headers=headers, json=body)
        assert done.status_code == 200, done.text
        assert done.json()["row_version"] == 1  # the refused write left nothing behind

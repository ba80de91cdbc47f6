"""Import into a real database (SQLite and PostgreSQL): all-or-nothing, idempotent, audited, readable back."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import anyio
import pandas as pd
import pytest
from anyio import to_thread
from sqlalchemy import select

from opensop.config import SERVER_THREADS
from opensop.errors import DataValidationError
from opensop.ingest import Severity, content_hash, validate_source
from opensop.services.imports import ImportStatus, current_dataset, import_dataset
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.database import transaction
from opensop.store.tables import AuditEvent
from tests.integration.store.broken import BROKEN_SOURCES, write_broken

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
AS_OF = date(2024, 11, 15)


def snapshot(workspace: Workspace) -> tuple[dict[str, int], str]:
    """Row counts of every table and the hash of the current dataset: what a refused import must not change."""
    with transaction(workspace.sessions) as session:
        counts = repositories.table_row_counts(session)
    _, data = current_dataset(workspace)
    return counts, content_hash(data)


def test_import_then_reimport_is_idempotent_and_audited(workspace: Workspace) -> None:
    first = import_dataset(workspace, TINY, actor="steward", as_of=AS_OF)
    assert first.status is ImportStatus.CREATED
    assert first.row_counts["sales_history"] == 48
    before = snapshot(workspace)
    second = import_dataset(workspace, TINY, actor="steward", as_of=AS_OF)
    assert second.status is ImportStatus.UNCHANGED
    assert second.load_id == first.load_id
    counts, digest = snapshot(workspace)
    assert digest == before[1]
    assert counts["input_sales_history"] == 48
    assert counts["dataset_load"] == 1
    with transaction(workspace.sessions) as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["import", "import_unchanged"]


def test_dataset_reads_back_exactly(workspace: Workspace) -> None:
    validated = validate_source(TINY, as_of=AS_OF).data
    assert validated is not None
    import_dataset(workspace, TINY, actor="steward", as_of=AS_OF)
    _, stored = current_dataset(workspace)
    for name, frame in validated.tables().items():
        pd.testing.assert_frame_equal(stored.tables()[name], frame, check_like=False, obj=name)


@pytest.mark.parametrize("case", BROKEN_SOURCES, ids=[c.name for c in BROKEN_SOURCES])
def test_broken_source_is_refused_and_changes_nothing(workspace: Workspace, tmp_path: Path, case: object) -> None:
    import_dataset(workspace, TINY, actor="steward", as_of=AS_OF)
    before = snapshot(workspace)
    source = write_broken(case, TINY, tmp_path / "broken")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError) as refused:
        import_dataset(workspace, source, actor="steward", as_of=AS_OF)
    report = refused.value.report
    errors = {(i.rule, i.table) for i in report.errors}
    assert (case.rule, case.table) in errors, report.to_frame().to_string()  # type: ignore[attr-defined]
    first = next(i for i in report.errors if i.rule == case.rule)  # type: ignore[attr-defined]
    assert (first.row, first.column) == (case.row, case.column), first  # type: ignore[attr-defined]
    assert snapshot(workspace) == before


def test_a_changed_source_becomes_a_new_load(workspace: Workspace, tmp_path: Path) -> None:
    import_dataset(workspace, TINY, actor="steward", as_of=AS_OF)
    changed = tmp_path / "changed"
    shutil.copytree(TINY, changed)
    inventory = changed / "inventory.csv"
    inventory.write_text(inventory.read_text().replace("G1,LYON,150", "G1,LYON,175"))
    outcome = import_dataset(workspace, changed, actor="steward", as_of=AS_OF)
    assert outcome.status is ImportStatus.CREATED
    load_id, data = current_dataset(workspace)
    assert load_id == outcome.load_id
    assert data.inventory.set_index(["item_id", "site_id"]).loc[("G1", "LYON"), "on_hand"] == 175
    assert not any(i.severity is Severity.ERROR for i in outcome.report.issues)


def test_the_connection_pool_holds_what_the_server_serves_at_once(workspace: Workspace) -> None:
    """Issue 18.8: the pool (15 connections) was smaller than the requests served at once (40)."""
    pool = workspace.engine.pool
    assert pool.size() + pool._max_overflow >= SERVER_THREADS  # type: ignore[attr-defined]

    async def threads() -> float:
        return to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(threads) == SERVER_THREADS  # the server's `def` routes run on that many threads

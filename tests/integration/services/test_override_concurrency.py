"""20 concurrent writers (threads, each with its own session) on the same override cells, on PostgreSQL and SQLite:
every write is applied or refused with a StaleWrite (409), the final state is the last accepted write and the
audit holds one event per accepted write. No lost update.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from opensop.config import Settings
from opensop.cycle.status import OverrideLevel
from opensop.demand.consensus import OverrideKind, OverrideSource
from opensop.errors import StaleWrite
from opensop.services import cycles, overrides, plans
from opensop.services.audit_log import query_audit
from opensop.services.overrides import OverrideCell
from opensop.services.workspace import Workspace, init_workspace
from opensop.store.database import session_factory
from tests.integration.conftest import _postgres_schema_url
from tests.integration.services.conftest import BOSS, PLANNER, SALES, measures

WRITERS, ROUNDS = 20, 5


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def racing(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """PostgreSQL with a pool large enough for all 20 writers to hold a connection at once; SQLite as configured
    by the application (its writers queue on the database lock, the compare-and-swap still decides)."""
    if request.param == "sqlite":
        opened = init_workspace(Settings(workspace=tmp_path, database_url=f"sqlite:///{tmp_path / 'race.db'}"))
        yield opened
        opened.dispose()
        return
    for url in _postgres_schema_url():
        init_workspace(Settings(workspace=tmp_path, database_url=url)).dispose()
        engine = create_engine(url, pool_size=WRITERS + 2, max_overflow=0)
        yield Workspace(Settings(workspace=tmp_path, database_url=url), engine, session_factory(engine))
        engine.dispose()


def _write(workspace: Workspace, cell: OverrideCell, value: float, expected: int) -> int:
    row = overrides.set_override(
        workspace,
        actor=SALES,
        cell=cell,
        value=value,
        kind=OverrideKind.ABSOLUTE,
        source=OverrideSource.SALES,
        expected_row_version=expected,
        reason=f"writer value {value}",
    )
    return row.row_version


def _attempt(workspace: Workspace, cell: OverrideCell, value: float, expected: int) -> dict[str, Any] | None:
    """None when the write was accepted (at row version expected + 1), else the current cell the 409 carried."""
    try:
        assert _write(workspace, cell, value, expected) == expected + 1
    except StaleWrite as stale:
        current = stale.current
    else:
        return None
    assert current is not None
    return current


def test_concurrent_writers_never_lose_an_update(racing: Workspace) -> None:
    cycle = cycles.open_cycle(racing, actor=PLANNER, period=date(2024, 12, 1)).cycle
    version = plans.create_version(racing, actor=PLANNER, cycle_id=cycle.id, measures=measures())
    cell = OverrideCell(version.id, OverrideLevel.ITEM, "FR", date(2025, 1, 1), item_id="G1")
    assert _write(racing, cell, 0.0, expected=0) == 1
    barrier = threading.Barrier(WRITERS)

    def writer(number: int) -> list[tuple[str, float, int]]:
        barrier.wait()
        outcomes = []
        for attempt in range(ROUNDS):
            read = overrides.list_overrides(racing, actor=BOSS, plan_version_id=version.id)[0].row_version
            value = float(number * 100 + attempt)
            current = _attempt(racing, cell, value, expected=read)
            if current is None:
                outcomes.append(("accepted", value, read + 1))
            else:
                assert current["row_version"] > read
                outcomes.append(("refused", value, current["row_version"]))
        return outcomes

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = [o for result in pool.map(writer, range(WRITERS)) for o in result]
    accepted = sorted((version_, value) for kind, value, version_ in outcomes if kind == "accepted")
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(accepted) + len(refused) == WRITERS * ROUNDS
    assert refused, "the writers really raced"
    assert [v for v, _ in accepted] == list(range(2, 2 + len(accepted)))  # one new version per accepted write
    final = overrides.list_overrides(racing, actor=BOSS, plan_version_id=version.id)
    assert len(final) == 1
    assert (final[0].row_version, final[0].value) == (1 + len(accepted), accepted[-1][1])
    events = query_audit(racing, actor=BOSS, action="override_set", limit=1000)
    assert [e.new_value["value"] for e in events if e.new_value] == [0.0] + [value for _, value in accepted]
    assert [e.old_value["row_version"] for e in events[1:] if e.old_value] == [v - 1 for v, _ in accepted]


def test_concurrent_creation_of_one_cell_has_one_winner(racing: Workspace) -> None:
    cycle = cycles.open_cycle(racing, actor=PLANNER, period=date(2024, 12, 1)).cycle
    version = plans.create_version(racing, actor=PLANNER, cycle_id=cycle.id, measures=measures())
    cell = OverrideCell(version.id, OverrideLevel.FAMILY, "FR", date(2025, 2, 1), family_id="GRILL")
    barrier = threading.Barrier(WRITERS)

    def creator(number: int) -> tuple[str, float]:
        barrier.wait()
        current = _attempt(racing, cell, float(number), expected=0)
        return ("accepted", float(number)) if current is None else ("refused", current["value"])

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = list(pool.map(creator, range(WRITERS)))
    winners = [value for kind, value in outcomes if kind == "accepted"]
    assert len(winners) == 1
    assert {value for kind, value in outcomes if kind == "refused"} == set(winners)
    final = overrides.list_overrides(racing, actor=BOSS, plan_version_id=version.id)
    assert [(row.value, row.row_version) for row in final] == [(winners[0], 1)]
    assert len(query_audit(racing, actor=BOSS, action="override_set")) == 1

"""The hostile-input catalogue (tests/integration/store/hostile.py) imported into SQLite and PostgreSQL: each set is
refused by its named rule with the database unchanged, or accepted with its documented interpretation, which is
checked on what the database gives back. One workspace per store for the whole module (the catalogue is long and
a refused import changes nothing; accepted ones only add loads)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from opensop.config import Settings
from opensop.errors import DataValidationError
from opensop.ingest import Severity, content_hash
from opensop.services.imports import current_dataset, import_dataset
from opensop.services.workspace import Workspace, init_workspace
from opensop.store import repositories
from opensop.store.database import transaction
from tests.integration.conftest import _postgres_schema_url
from tests.integration.store.hostile import CATALOGUE, Hostile, build

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
AS_OF = date(2024, 11, 15)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("hostile")
    urls = iter([f"sqlite:///{root / 'opensop.db'}"]) if request.param == "sqlite" else _postgres_schema_url()
    url = next(urls)
    opened = init_workspace(Settings(workspace=root / "ws", database_url=url))
    import_dataset(opened, TINY, actor="steward", as_of=AS_OF)
    try:
        yield opened
    finally:
        opened.dispose()
        next(urls, None)  # PostgreSQL: drop the schema


def snapshot(workspace: Workspace) -> tuple[dict[str, int], str]:
    with transaction(workspace.sessions) as session:
        counts = repositories.table_row_counts(session)
    _, data = current_dataset(workspace)
    return counts, content_hash(data)


def test_the_catalogue_covers_every_category() -> None:
    assert len(CATALOGUE) >= 40
    assert {case.category for case in CATALOGUE} == {
        "locale",
        "encoding",
        "type",
        "reference",
        "structure",
        "size",
        "impossible",
    }
    assert len({case.name for case in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.name for c in CATALOGUE])
def test_hostile_input(store: Workspace, case: Hostile, tmp_path: Path) -> None:
    source = build(case, TINY, tmp_path / "source")
    before = snapshot(store)
    if case.rule:
        with pytest.raises(DataValidationError) as refused:
            import_dataset(store, source, actor="steward", as_of=AS_OF)
        report = refused.value.report
        assert (case.rule, case.table) in {(i.rule, i.table) for i in report.errors}, report.to_frame().to_string()
        first = next(i for i in report.errors if i.rule == case.rule)
        if case.row is not None:
            assert first.row == case.row, first
        if case.column:
            assert first.column == case.column, first
        if case.only_error:
            assert len(report.errors) == 1, report.to_frame().to_string()
        assert snapshot(store) == before
        return
    outcome = import_dataset(store, source, actor="steward", as_of=AS_OF)
    if case.warning:
        assert case.warning in outcome.report.rules(Severity.WARNING), outcome.report.to_frame().to_string()
    assert outcome.report.ok
    _, stored = current_dataset(store)
    assert case.check is not None
    case.check(stored)

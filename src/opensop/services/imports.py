"""Use cases of data consolidation: check a source, import it (all-or-nothing, idempotent, audited)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from opensop.errors import DataValidationError, NotFoundError
from opensop.services.workspace import Workspace
from opensop.store import repositories
from opensop.store.database import transaction
from opensop.store.tables import DatasetLoad

if TYPE_CHECKING:
    from opensop.ingest import IngestResult, ValidationReport
    from opensop.schema.frames import PlanningData

# The readers and checks (polars) are imported by the use cases that read files, so that listing the loads
# (`opensop status`) does not pay for them.


class ImportStatus(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ImportOutcome:
    status: ImportStatus
    load_id: int
    content_hash: str
    row_counts: dict[str, int]
    report: ValidationReport


def check_source(path: Path, *, encoding: str = "utf-8", as_of: date | None = None) -> IngestResult:
    """Validate without touching any database."""
    from opensop.ingest import validate_source  # noqa: PLC0415

    return validate_source(path, encoding=encoding, as_of=as_of)


def import_dataset(
    workspace: Workspace,
    path: Path,
    *,
    actor: str,
    encoding: str = "utf-8",
    as_of: date | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> ImportOutcome:
    """Validate then load in one transaction. Any error: DataValidationError and nothing written.

    Importing content identical to the latest load is idempotent: no new rows, an `import_unchanged` audit event.
    """
    from opensop.ingest import validate_source  # noqa: PLC0415

    stage = on_stage or (lambda _name: None)
    stage("reading and validating")
    result = validate_source(path, encoding=encoding, as_of=as_of)
    if result.data is None:
        raise DataValidationError(result.report)
    data = result.data
    stage("writing to the database")
    counts = data.row_counts()
    with transaction(workspace.sessions) as session:
        latest = repositories.latest_load(session)
        if latest is not None and latest.content_hash == result.content_hash:
            repositories.record_audit(
                session,
                actor=actor,
                action="import_unchanged",
                entity="dataset_load",
                entity_id=str(latest.id),
                new_value={"source": str(path), "content_hash": result.content_hash},
            )
            return ImportOutcome(ImportStatus.UNCHANGED, latest.id, result.content_hash, counts, result.report)
        load = DatasetLoad(
            loaded_by=actor,
            source=str(path),
            content_hash=result.content_hash,
            row_counts=counts,
            warning_count=len(result.report.warnings),
            report=result.report.to_dict(),
        )
        session.add(load)
        session.flush()
        repositories.insert_dataset(session, data, load.id)
        repositories.record_audit(
            session,
            actor=actor,
            action="import",
            entity="dataset_load",
            entity_id=str(load.id),
            old_value={"load_id": latest.id, "content_hash": latest.content_hash} if latest else None,
            new_value={"source": str(path), "content_hash": result.content_hash, "rows": counts},
        )
        return ImportOutcome(ImportStatus.CREATED, load.id, result.content_hash, counts, result.report)


def current_dataset(workspace: Workspace, load_id: int | None = None) -> tuple[int, PlanningData]:
    """The dataset of a load (the latest by default): the one version of the truth the cycle plans on."""
    with transaction(workspace.sessions) as session:
        load = session.get(DatasetLoad, load_id) if load_id else repositories.latest_load(session)
        if load is None:
            raise NotFoundError("no data has been imported yet", hint="run `opensop import PATH` first")
        return load.id, repositories.read_dataset(session, load.id)


def list_loads(workspace: Workspace) -> list[DatasetLoad]:
    with transaction(workspace.sessions) as session:
        return list(session.scalars(select(DatasetLoad).order_by(DatasetLoad.id.desc())))

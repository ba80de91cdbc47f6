"""Reading plans for people and systems: the plan-to-plan waterfall, KPI totals and the plan-of-record export."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from opensop.cycle.permissions import Action, require
from opensop.cycle.plan_content import MEASURE_COLUMNS, waterfall
from opensop.cycle.status import PlanStatus
from opensop.errors import NotFoundError
from opensop.ingest.writers import csv_bytes, frames_workbook, workbook_bytes
from opensop.services.auth import Principal
from opensop.services.plans import verified_measures
from opensop.services.workspace import Workspace
from opensop.store.cycle_tables import PlanningCycle, PlanVersion, Run
from opensop.store.database import transaction
from opensop.store.tables import INPUT_TABLES


class ExportFormat(StrEnum):
    CSV = "csv"
    EXCEL = "xlsx"
    JSON = "json"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.EXCEL: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSON: "application/json",
}


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


def _with_families(session: Session, version: PlanVersion, frame: pd.DataFrame) -> pd.DataFrame:
    """Item rows without a family get it from the items of the version's dataset load: decisions are by family."""
    if version.load_id is None or frame.empty or frame["family_id"].notna().all():
        return frame
    items = INPUT_TABLES["items"]
    pairs = dict(
        session.execute(select(items.c.item_id, items.c.family_id).where(items.c.load_id == version.load_id)).all()
    )
    filled = frame["item_id"].map(pairs)
    return frame.assign(family_id=frame["family_id"].where(frame["family_id"].notna(), filled))


def _content(session: Session, version_id: int) -> tuple[PlanVersion, pd.DataFrame]:
    version = session.get(PlanVersion, version_id)
    if version is None:
        raise NotFoundError(f"plan version {version_id} does not exist")
    return version, verified_measures(session, version)


def plan_waterfall(workspace: Workspace, *, actor: Principal, base_id: int, compare_id: int) -> pd.DataFrame:
    """measure, family_id, base, compare, delta: how plan `compare_id` differs from `base_id`."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        base_version, base = _content(session, base_id)
        compare_version, compare = _content(session, compare_id)
        return waterfall(_with_families(session, base_version, base), _with_families(session, compare_version, compare))


def kpi_totals(workspace: Workspace, *, actor: Principal, version_id: int) -> pd.DataFrame:
    """measure, period, value: each measure summed per period (the KPI catalogue builds on these sums)."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        _, frame = _content(session, version_id)
    totals = pd.DataFrame(frame.groupby(["measure", "period"], as_index=False)["value"].sum())
    return totals.sort_values(["measure", "period"]).reset_index(drop=True)


def version_measures(workspace: Workspace, *, actor: Principal, version_id: int) -> tuple[PlanVersion, pd.DataFrame]:
    """A version's verified rows in a stable order (every key column), as files for planners and the ERP/MRP."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        version, frame = _content(session, version_id)
    return version, frame.sort_values(list(MEASURE_COLUMNS[:-1])).reset_index(drop=True)


def version_document(workspace: Workspace, *, actor: Principal, version_id: int) -> dict[str, Any]:
    """What a version is, as JSON: its identity, hash, configuration and the summary of the run that computed it
    (solver status, exact objective, every cost line, KPIs, health findings) — the `summary.json` of a plan."""
    require(actor.role, Action.VIEW)
    with transaction(workspace.sessions) as session:
        version = session.get(PlanVersion, version_id)
        if version is None:
            raise NotFoundError(f"plan version {version_id} does not exist")
        run = session.get(Run, version.run_id) if version.run_id is not None else None
        cycle = session.get(PlanningCycle, version.cycle_id)
        return {
            "plan_version": {
                "id": version.id,
                "cycle": f"{cycle.period:%Y-%m}" if cycle is not None else None,
                "horizon": [f"{cycle.horizon_start:%Y-%m}", f"{cycle.horizon_end:%Y-%m}"]
                if cycle is not None
                else None,
                "scenario": version.scenario,
                "label": version.label,
                "status": version.status,
                "parent_id": version.parent_id,
                "load_id": version.load_id,
                "run_id": version.run_id,
                "content_hash": version.content_hash,
                "rows": version.row_count,
                "config": version.config,
            },
            "run": dict(run.result or {}) if run is not None else {},
        }


def export_plan_of_record(workspace: Workspace, *, actor: Principal, file_format: ExportFormat) -> Export:
    """The published plan's measures for the ERP/MRP, with its version and hash in the file name or payload."""
    require(actor.role, Action.EXPORT_PLAN)
    with transaction(workspace.sessions) as session:
        version = session.scalars(
            select(PlanVersion).where(PlanVersion.status == PlanStatus.PUBLISHED.value).order_by(PlanVersion.id.desc())
        ).first()
        if version is None:
            raise NotFoundError("there is no plan of record to export", hint="publish an approved version first")
        frame = verified_measures(session, version)
    frame = frame.sort_values(list(MEASURE_COLUMNS[:-1])).reset_index(drop=True)
    stem = f"plan_of_record_v{version.id}"
    if file_format is ExportFormat.CSV:
        content = csv_bytes(frame)
    elif file_format is ExportFormat.EXCEL:
        content = workbook_bytes(frames_workbook({"plan": frame}))
    else:
        payload = {
            "plan_version_id": version.id,
            "cycle_id": version.cycle_id,
            "scenario": version.scenario,
            "content_hash": version.content_hash,
            "measures": frame.assign(period=frame["period"].astype(str)).to_dict(orient="records"),
        }
        content = json.dumps(payload).encode()
    return Export(content, MEDIA_TYPES[file_format], f"{stem}.{file_format.value}")

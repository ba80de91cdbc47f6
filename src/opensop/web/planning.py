"""Where the pages find their plan: the current cycle, its working version, the dataset and the grids.

All reads go through the services (cycles, plans, overrides, imports); the dataset of a load is cached in-process
because loads are immutable (a new import is a new load id).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import pandas as pd

from opensop.config import PlanningConfig
from opensop.cycle.status import CycleStatus, OverrideLevel, PlanStatus
from opensop.finance.projection import FinancialPlan
from opensop.pipeline import CycleResult
from opensop.reports.excel import Grid, GridRow
from opensop.schema.frames import PlanningData
from opensop.services import cycles, imports, overrides, plans
from opensop.store.cycle_tables import PlanningCycle, PlanOverride, PlanVersion
from opensop.web import results
from opensop.web.core import Page

_DATASETS: dict[int, PlanningData] = {}
_DATASET_LOCK = threading.Lock()
BASE_SCENARIO = "base"


def dataset(page: Page, load_id: int | None) -> tuple[int, PlanningData]:
    with _DATASET_LOCK:
        if load_id is not None and load_id in _DATASETS:
            return load_id, _DATASETS[load_id]
    found_id, data = imports.current_dataset(page.workspace, load_id)
    with _DATASET_LOCK:
        _DATASETS[found_id] = data
        if len(_DATASETS) > 4:
            _DATASETS.pop(next(iter(_DATASETS)))
    return found_id, data


def current_cycle(page: Page) -> PlanningCycle | None:
    """The open cycle (the latest one if several), else the latest closed one, else None."""
    found = cycles.list_cycles(page.workspace, actor=page.user)
    open_ones = [c for c in found if c.status == CycleStatus.OPEN]
    return open_ones[0] if open_ones else (found[0] if found else None)


def versions(page: Page, cycle: PlanningCycle) -> list[PlanVersion]:
    return plans.list_versions(page.workspace, actor=page.user, cycle_id=cycle.id)


def working_version(page: Page, cycle: PlanningCycle, requested: int | None = None) -> PlanVersion | None:
    """The version a page works on: the one asked for, else the latest base draft, else the latest base version."""
    if requested is not None:
        return plans.get_version(page.workspace, actor=page.user, version_id=requested)
    base = [v for v in versions(page, cycle) if v.scenario == BASE_SCENARIO]
    drafts = [v for v in base if v.status == PlanStatus.DRAFT]
    if drafts:
        return drafts[-1]
    return base[-1] if base else None


_MEASURES: dict[tuple[int, str], pd.DataFrame] = {}


def stored_measures(page: Page, version: PlanVersion) -> pd.DataFrame:
    """A version's stored content, read through the plans service once per (version, content hash): content under
    one hash never changes, and the executive pages read the same versions several times per request."""
    key = (version.id, version.content_hash)
    with _DATASET_LOCK:
        if key in _MEASURES:
            return _MEASURES[key]
    content = plans.read_content(page.workspace, actor=page.user, version_id=version.id)
    with _DATASET_LOCK:
        _MEASURES[(content.version.id, content.version.content_hash)] = content.measures
        while len(_MEASURES) > 32:
            _MEASURES.pop(next(iter(_MEASURES)))
    return content.measures


_FINANCE: dict[tuple[int, str], FinancialPlan] = {}


def stored_finance(page: Page, version: PlanVersion) -> FinancialPlan:
    """The financial lines of a stored version, rebuilt once per (version, content hash)."""
    key = (version.id, version.content_hash)
    with _DATASET_LOCK:
        if key in _FINANCE:
            return _FINANCE[key]
    finance = results.finance_from_measures(stored_measures(page, version))
    with _DATASET_LOCK:
        _FINANCE[key] = finance
        while len(_FINANCE) > 32:
            _FINANCE.pop(next(iter(_FINANCE)))
    return finance


def config_of(version: PlanVersion | None) -> PlanningConfig:
    return PlanningConfig.from_dict(version.config) if version is not None else PlanningConfig()


@dataclass(frozen=True)
class Working:
    """Everything the demand and supply pages need about the working version."""

    cycle: PlanningCycle
    version: PlanVersion
    load_id: int
    data: PlanningData
    config: PlanningConfig
    overrides: list[PlanOverride]

    @property
    def editable(self) -> bool:
        return self.version.status == PlanStatus.DRAFT


def working(page: Page, cycle: PlanningCycle, version: PlanVersion) -> Working:
    load_id, data = dataset(page, version.load_id or cycle.load_id)
    rows = overrides.list_overrides(page.workspace, actor=page.user, plan_version_id=version.id)
    return Working(cycle, version, load_id, data, config_of(version), rows)


def consensus(work: Working) -> CycleResult:
    return results.consensus_result(work.load_id, work.data, work.config, work.overrides)


def hierarchy(data: PlanningData) -> pd.DataFrame:
    return data.item_hierarchy().astype({"item_id": str, "family_id": str, "category_id": str})


_CELLS: dict[int, tuple[CycleResult, pd.DataFrame]] = {}


def consensus_cells(work: Working) -> pd.DataFrame:
    """item, region, period, sources..., consensus, with family and category, periods as month dates.

    Kept per consensus result (the grid, the chart and the navigation of one page all read it)."""
    result = consensus(work)
    with _DATASET_LOCK:
        found = _CELLS.get(id(result))
    if found is not None and found[0] is result:
        return found[1]
    plan = result.require_consensus().plan
    plan = plan.astype({"item_id": str, "region_id": str}).merge(hierarchy(work.data), on="item_id", how="left")
    cells = plan.assign(period=pd.to_datetime(plan["period"]).dt.date)  # forecast periods are month starts
    with _DATASET_LOCK:
        _CELLS[id(result)] = (result, cells)
        while len(_CELLS) > 8:
            _CELLS.pop(next(iter(_CELLS)))
    return cells


def build_grid(
    work: Working, *, region: str, category: str = "", family: str = "", level: OverrideLevel | None = None
) -> Grid:
    """Family x month (or item x month inside one family) consensus, with each cell's override row version."""
    cells = consensus_cells(work)
    if region:
        cells = cells[cells["region_id"] == region]
    if category:
        cells = cells[cells["category_id"] == category]
    chosen = level or (OverrideLevel.ITEM if family else OverrideLevel.FAMILY)
    if family:
        cells = cells[cells["family_id"] == family]
    key_column = "item_id" if chosen is OverrideLevel.ITEM else "family_id"
    periods = tuple(sorted(set(cells["period"])))
    wide = cells.pivot_table(index=key_column, columns="period", values="consensus", aggfunc="sum").reindex(
        columns=list(periods), fill_value=0.0
    )
    labels = _labels(work.data, chosen)
    stored = {
        (row.item_id if chosen is OverrideLevel.ITEM else row.family_id, row.period): row.row_version
        for row in work.overrides
        if row.level == chosen.value and row.region_id == region
    }
    rows = tuple(
        GridRow(
            key=str(key),
            label=labels.get(str(key), ""),
            values=tuple(float(v) for v in wide.loc[key].fillna(0.0)),
            row_versions=tuple(stored.get((str(key), p), 0) for p in periods),
        )
        for key in wide.index
    )
    return Grid(work.version.id, chosen.value, region, periods, rows)


def _labels(data: PlanningData, level: OverrideLevel) -> dict[str, str]:
    frame = data.items if level is OverrideLevel.ITEM else data.families
    column = "item_id" if level is OverrideLevel.ITEM else "family_id"
    if "description" not in frame.columns:
        return {}
    return dict(zip(frame[column].astype(str), frame["description"].fillna("").astype(str), strict=False))


def cell_label(key: str, period: date) -> str:
    return f"{key} {period:%Y-%m}"

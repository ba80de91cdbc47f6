"""Where the pages find their plan: the current cycle, its working version, the dataset, the grids and the runs.

Pages read stored plan versions only; plans are computed by the worker (`opensop.services.plan_runs`), which a page
asks for with a queued run and follows through the run panel. The dataset of a load and the content of a version
are kept in-process by key — a load id, a (version, content hash) — because neither ever changes under its key.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from opensop.config import PlanningConfig
from opensop.cycle.plan_measures import demand_cells, finance_from_measures
from opensop.cycle.status import CycleStatus, OverrideLevel, PlanStatus
from opensop.demand.consensus import OverrideKind
from opensop.finance.projection import FinancialPlan
from opensop.reports.excel import Grid, GridRow
from opensop.schema.frames import PlanningData
from opensop.services import cycles, imports, overrides, plan_runs, plans, runs
from opensop.services.records import PlanningCycle, PlanOverride, PlanVersion, Run
from opensop.web.core import Page

_DATASETS: dict[tuple[str, int], PlanningData] = {}
_DATASET_LOCK = threading.Lock()
BASE_SCENARIO = plans.BASE_SCENARIO
ACTIVE = ("queued", "running")


def dataset(page: Page, load_id: int | None) -> tuple[int, PlanningData]:
    """A load's dataset, kept per (database, load id): two workspaces served by one process share nothing."""
    database = page.workspace.settings.resolved_database_url
    with _DATASET_LOCK:
        if load_id is not None and (database, load_id) in _DATASETS:
            return load_id, _DATASETS[(database, load_id)]
    found_id, data = imports.current_dataset(page.workspace, load_id)
    with _DATASET_LOCK:
        _DATASETS[(database, found_id)] = data
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
    return plans.working_version(page.workspace, actor=page.user, cycle_id=cycle.id)


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
    finance = finance_from_measures(stored_measures(page, version))
    with _DATASET_LOCK:
        _FINANCE[key] = finance
        while len(_FINANCE) > 32:
            _FINANCE.pop(next(iter(_FINANCE)))
    return finance


def config_of(version: PlanVersion | None) -> PlanningConfig:
    return PlanningConfig.from_dict(version.config) if version is not None else PlanningConfig()


@dataclass(frozen=True)
class Working:
    """Everything the demand and supply pages need about the working version: its stored content, the summary of
    the run that computed it, and the override rows entered since (`pending`: not in its consensus yet)."""

    cycle: PlanningCycle
    version: PlanVersion
    load_id: int
    data: PlanningData
    config: PlanningConfig
    overrides: list[PlanOverride]
    measures: pd.DataFrame
    summary: dict[str, Any]

    @property
    def editable(self) -> bool:
        return self.version.status == PlanStatus.DRAFT

    @property
    def pending(self) -> list[PlanOverride]:
        included = {tuple(mark) for mark in self.summary.get("overrides", [])}
        return [row for row in self.overrides if (row.id, row.row_version) not in included]


def work_of(page: Page, version: int | None) -> Working | None:
    """The working version of the current cycle (or the one asked for), with everything its pages show."""
    cycle = current_cycle(page)
    if cycle is None:
        return None
    chosen = working_version(page, cycle, version)
    return working(page, cycle, chosen) if chosen is not None else None


def working(page: Page, cycle: PlanningCycle, version: PlanVersion) -> Working:
    load_id, data = dataset(page, version.load_id or cycle.load_id)
    rows = overrides.list_overrides(page.workspace, actor=page.user, plan_version_id=version.id)
    summary = plan_runs.version_summary(page.workspace, actor=page.user, version=version)
    return Working(cycle, version, load_id, data, config_of(version), rows, stored_measures(page, version), summary)


@dataclass(frozen=True)
class RunPanel:
    """A plan run a page follows: `reload` makes the page reload itself when the run ends (nothing typed is lost)."""

    run: Run
    message: str
    reload: bool

    @property
    def active(self) -> bool:
        return self.run.status in ACTIVE


def run_panel(run: Run, *, reload: bool) -> RunPanel:
    if run.status == "failed":
        message = runs.failure_message(run)
    else:
        lines = [line for line in run.log.splitlines() if line.strip()]
        message = lines[-1].split(" ", 1)[-1] if lines else ""
    return RunPanel(run, message, reload)


def plan_run_panel(
    page: Page, cycle: PlanningCycle, match: dict[str, Any], *, shown_run: int | None, reload: bool
) -> RunPanel | None:
    """The latest plan run of `cycle` whose parameters include `match`, while it is queued or running, or when it
    failed after the content shown (`shown_run`, the run that computed it) was made."""
    found = runs.recent_runs(
        page.workspace, actor=page.user, step=plan_runs.PLAN_STEP, match={"cycle_id": cycle.id, **match}
    )
    if not found:
        return None
    latest = found[0]
    if latest.status in ACTIVE or (latest.status == "failed" and latest.id > (shown_run or 0)):
        return run_panel(latest, reload=reload)
    return None


def in_place_panel(page: Page, work: Working, *, reload: bool) -> RunPanel | None:
    match = {"base_version_id": work.version.id, "in_place": True}
    return plan_run_panel(page, work.cycle, match, shown_run=work.version.run_id, reload=reload)


def hierarchy(data: PlanningData) -> pd.DataFrame:
    return data.item_hierarchy().astype({"item_id": str, "family_id": str, "category_id": str})


_CELLS: dict[tuple[int, str], pd.DataFrame] = {}


def consensus_cells(work: Working) -> pd.DataFrame:
    """item, region, period (a date), statistical, lo_95, hi_95, sources..., consensus, with family and category,
    from the stored version; kept per (version, content hash) (the grid, the chart and the navigation read it)."""
    key = (work.version.id, work.version.content_hash)
    with _DATASET_LOCK:
        found = _CELLS.get(key)
    if found is not None:
        return found
    cells = demand_cells(work.measures).merge(hierarchy(work.data), on="item_id", how="left")
    with _DATASET_LOCK:
        _CELLS[key] = cells
        while len(_CELLS) > 8:
            _CELLS.pop(next(iter(_CELLS)))
    return cells


def build_grid(
    work: Working, *, region: str, category: str = "", family: str = "", level: OverrideLevel | None = None
) -> Grid:
    """Family x month (or item x month inside one family) consensus, with each cell's override row version.

    A cell whose absolute override is not in the stored consensus yet shows the value entered (the worker is
    recomputing the consensus, or a planner has still to); every other cell shows the stored consensus."""
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

    def key_of(row: PlanOverride) -> tuple[str, date]:
        return (row.item_id if chosen is OverrideLevel.ITEM else row.family_id, row.period)

    mine = [row for row in work.overrides if row.level == chosen.value and row.region_id == region]
    stored = {key_of(row): row.row_version for row in mine}
    pending = {row.id for row in work.pending}
    entered = {key_of(row): row.value for row in mine if row.id in pending and row.kind == OverrideKind.ABSOLUTE}
    rows = tuple(
        GridRow(
            key=str(key),
            label=labels.get(str(key), ""),
            values=tuple(
                entered.get((str(key), p), float(v)) for p, v in zip(periods, wide.loc[key].fillna(0.0), strict=True)
            ),
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

"""The monthly planning job as one ordered list of named steps, driven by a frozen PlanningConfig.

forecast -> reconcile -> consensus -> supply -> finance -> kpi.
Each step reads what earlier steps produced in the `CycleResult` and adds its own part; `run_pipeline(...,
until=...)` stops after any step, so the services can run the demand review alone, then the supply review, and
the web and CLI show the same results. Pure: frames in, frames out; the services persist them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

import pandas as pd

from opensop.config import PlanningConfig
from opensop.periods import months_between

if TYPE_CHECKING:
    from opensop.demand import ConsensusDemand, DemandForecast
    from opensop.finance import FinancialPlan
    from opensop.reconcile import ReconciledForecast
    from opensop.schema import PlanningData
    from opensop.supply import SupplyPlan

# Each step imports its engine when it runs: the step names and results are cheap to import (the CLI reads them
# to build its options), the engines (statsforecast, hierarchicalforecast, HiGHS, scipy) are not.

PipelineProgress = Callable[[str, int, int], None]
"""progress(step name, done, total): drives the CLI's bars and the worker's run record."""


class PipelineStep(StrEnum):
    FORECAST = "forecast"
    RECONCILE = "reconcile"
    CONSENSUS = "consensus"
    SUPPLY = "supply"
    FINANCE = "finance"
    KPI = "kpi"


OVERRIDE_COLUMNS = [
    "source",
    "kind",
    "value",
    "period",
    "item_id",
    "family_id",
    "category_id",
    "region_id",
    "author",
    "reason",
    "comment",
]


@dataclass(frozen=True)
class CycleResult:
    """Everything one run of the job produced; parts are None until their step has run."""

    data: PlanningData
    config: PlanningConfig
    overrides: pd.DataFrame
    forecast: DemandForecast | None = None
    reconciled: ReconciledForecast | None = None
    consensus: ConsensusDemand | None = None
    supply: SupplyPlan | None = None
    finance: FinancialPlan | None = None
    kpis: pd.DataFrame | None = None
    # A scenario's demand (levers applied to the consensus) and the investments its levers pay; None: the consensus.
    scenario_demand: pd.DataFrame | None = None
    investments: pd.DataFrame | None = None

    def require_supply(self) -> SupplyPlan:
        if self.supply is None:
            raise RuntimeError("the supply step has not run")
        return self.supply

    def require_forecast(self) -> DemandForecast:
        if self.forecast is None:
            raise RuntimeError("the forecast step has not run")
        return self.forecast

    def require_consensus(self) -> ConsensusDemand:
        if self.consensus is None:
            raise RuntimeError("the consensus step has not run")
        return self.consensus

    def supply_demand(self) -> pd.DataFrame:
        """The demand the supply plan serves: a scenario's demand when levers made one, else the consensus with
        every interval level the forecast made (lo_80, hi_80, lo_95, ...: a P90 risk lever plans on hi_80)."""
        if self.scenario_demand is not None:
            return self.scenario_demand
        consensus = self.require_consensus().plan
        forecast = self.require_forecast().forecast
        levels = interval_columns(forecast)
        bounds = forecast[["item_id", "region_id", "period", *levels]]
        demand = consensus[["item_id", "region_id", "period", "consensus", "statistical"]].merge(
            bounds, on=["item_id", "region_id", "period"], how="left"
        )
        # The intervals were drawn around the statistical forecast; they move with the consensus.
        shift = demand["consensus"] - demand["statistical"]
        for column in levels:
            demand[column] = (demand[column] + shift).clip(lower=0.0)
        return demand.rename(columns={"consensus": "quantity"}).drop(columns="statistical")


def _forecast(result: CycleResult, progress: PipelineProgress) -> CycleResult:
    from opensop.demand import forecast_demand

    forecast = forecast_demand(
        result.data, result.config, progress=lambda done, total: progress(PipelineStep.FORECAST, done, total)
    )
    return replace(result, forecast=forecast)


AGGREGATE_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("family_region", ("category_id", "family_id", "region_id")),
    ("category_region", ("category_id", "region_id")),
    ("total", ()),
)
"""Levels forecast on their own aggregated history: a family's series is smoother than its items', so its
forecast carries information the item forecasts lack; reconciliation then blends both (MinTrace)."""


def aggregate_forecasts(forecast: DemandForecast, hierarchy: pd.DataFrame, config: PlanningConfig) -> pd.DataFrame:
    """Independent base forecasts of the aggregate levels: level, key columns, period, forecast.

    Each node forecasts the sum of its items' cleansed baseline history with the same automatic selection,
    then gets back its items' event uplifts, so that it is comparable with the item forecasts it is blended with.
    """
    from opensop.demand.standalone import forecast_frame

    history = forecast.history.merge(hierarchy, on="item_id", how="left").assign(total="total")
    items = forecast.forecast.merge(hierarchy, on="item_id", how="left").assign(total="total")
    periods = pd.DatetimeIndex(sorted(items["period"].unique()))
    last = pd.Timestamp(history["period"].max())
    steps = months_between(last, periods[-1])
    frames: list[pd.DataFrame] = []
    for level, keys in AGGREGATE_LEVELS:
        columns = list(keys) or ["total"]
        grouped = pd.DataFrame(history.groupby([*columns, "period"], as_index=False)["cleansed"].sum())
        node = grouped[columns[0]].astype(str)
        for column in columns[1:]:
            node = node + "|" + grouped[column].astype(str)
        grouped["unique_id"] = level + ":" + node
        frames.append(grouped)
    nodes = pd.concat(frames, ignore_index=True)
    tidy = nodes.rename(columns={"period": "ds", "cleansed": "y"})[["unique_id", "ds", "y"]]
    fc = config.forecast
    predicted = forecast_frame(
        tidy, horizon=max(steps, 1), freq="MS", levels=fc.interval_levels, jobs=fc.jobs, config=fc
    ).forecast
    predicted = predicted[predicted["ds"].isin(periods)].rename(columns={"ds": "period"})
    node_keys = nodes.drop(columns=["period", "cleansed"]).drop_duplicates("unique_id")
    out = []
    for level, keys in AGGREGATE_LEVELS:
        columns = list(keys) or ["total"]
        frame = predicted[predicted["unique_id"].str.startswith(level + ":")][["unique_id", "period", "forecast"]]
        frame = frame.merge(node_keys[["unique_id", *columns]], on="unique_id")
        uplift = items.groupby([*columns, "period"], as_index=False)["event_uplift"].sum()
        frame = frame.merge(uplift, on=[*columns, "period"], how="left")
        frame["forecast"] = (frame["forecast"] + frame["event_uplift"].fillna(0.0)).clip(lower=0.0)
        out.append(frame[[*keys, "period", "forecast"]].assign(level=level))
    return pd.concat(out, ignore_index=True)


def _reconcile(result: CycleResult, _progress: PipelineProgress) -> CycleResult:
    from opensop.demand.forecast import lifecycle_zeros
    from opensop.reconcile import reconcile

    forecast = result.require_forecast()
    hierarchy = result.data.item_hierarchy()
    base = aggregate_forecasts(forecast, hierarchy, result.config)
    periods = pd.DatetimeIndex(sorted(forecast.forecast["period"].unique()))
    zeros = lifecycle_zeros(result.data.items, periods)
    reconciled = reconcile(forecast.forecast, hierarchy, result.config.reconciliation, base=base, zeros=zeros)
    return replace(result, reconciled=reconciled)


def _consensus(result: CycleResult, _progress: PipelineProgress) -> CycleResult:
    from opensop.demand import apply_overrides

    coherent = result.reconciled.items if result.reconciled is not None else result.require_forecast().forecast
    consensus = apply_overrides(coherent, result.overrides, result.data.item_hierarchy())
    return replace(result, consensus=consensus)


def _supply(result: CycleResult, _progress: PipelineProgress) -> CycleResult:
    from opensop.supply import plan as plan_supply

    return replace(result, supply=plan_supply(result.data, result.supply_demand(), result.config))


def _finance(result: CycleResult, _progress: PipelineProgress) -> CycleResult:
    from opensop.finance import FinancialPlan, project

    plan = result.require_supply()
    if not plan.solve.is_ok:
        return replace(result, finance=FinancialPlan.empty())
    finance = project(result.data, result.supply_demand(), plan, result.config, investments=result.investments)
    return replace(result, finance=finance)


def _kpi(result: CycleResult, _progress: PipelineProgress) -> CycleResult:
    from opensop.kpi import KpiInputs, compute

    plan = result.require_supply()
    if result.finance is None or not plan.solve.is_ok:
        return result
    return replace(result, kpis=compute(KpiInputs(result.data, plan, result.finance, None)))


@dataclass(frozen=True)
class Step:
    name: PipelineStep
    title: str
    run: Callable[[CycleResult, PipelineProgress], CycleResult]


PIPELINE_STEPS: tuple[Step, ...] = (
    Step(PipelineStep.FORECAST, "Statistical forecast", _forecast),
    Step(PipelineStep.RECONCILE, "Hierarchy reconciliation", _reconcile),
    Step(PipelineStep.CONSENSUS, "Consensus demand", _consensus),
    Step(PipelineStep.SUPPLY, "Constrained supply plan", _supply),
    Step(PipelineStep.FINANCE, "Financial projection", _finance),
    Step(PipelineStep.KPI, "Key performance indicators", _kpi),
)


def run_steps(
    result: CycleResult,
    *,
    after: PipelineStep | None = None,
    until: PipelineStep = PipelineStep.KPI,
    progress: PipelineProgress | None = None,
) -> CycleResult:
    """Run the steps that follow `after` (all of them when None) up to and including `until`.

    This is how a service re-plans from a part it kept: the consensus, supply and finance of a new set of overrides
    start from a stored statistical forecast (`restore_forecast`) instead of forecasting again.
    """
    report = progress or (lambda _step, _done, _total: None)
    names = [step.name for step in PIPELINE_STEPS]
    first = 0 if after is None else names.index(after) + 1
    if names.index(until) < first:
        raise ValueError(f"cannot run up to {until} after {after}")
    for step in PIPELINE_STEPS[first:]:
        report(step.name, 0, 1)
        result = step.run(result, report)
        report(step.name, 1, 1)
        if step.name == until:
            break
    return result


def run_pipeline(
    data: PlanningData,
    config: PlanningConfig,
    *,
    overrides: pd.DataFrame | None = None,
    until: PipelineStep = PipelineStep.KPI,
    progress: PipelineProgress | None = None,
) -> CycleResult:
    """Run the steps in order up to and including `until`."""
    result = CycleResult(data, config, overrides if overrides is not None else pd.DataFrame(columns=OVERRIDE_COLUMNS))
    return run_steps(result, until=until, progress=progress)


def interval_columns(frame: pd.DataFrame) -> list[str]:
    """The forecast's interval bounds present in `frame` (lo_80, hi_80, lo_95, hi_95, ...), in a stable order."""
    return sorted((c for c in frame.columns if re.fullmatch(r"(lo|hi)_\d+", str(c))), key=lambda c: (c[3:], c[:2]))


def restore_forecast(cells: pd.DataFrame) -> DemandForecast:
    """A kept statistical forecast as the steps after reconciliation read it.

    `cells` (item_id, region_id, period, forecast, lo_95, hi_95) holds the coherent forecast — the one the consensus
    step starts from — with the item intervals the supply step takes its safety stocks from. Model selection and
    cleansed history are not needed after reconciliation and stay empty. Resume with
    `run_steps(CycleResult(..., forecast=restore_forecast(cells)), after=PipelineStep.RECONCILE)`.
    """
    from opensop.demand import DemandForecast

    empty = pd.DataFrame()
    return DemandForecast(forecast=cells, selection=empty, history=empty, warnings=empty)

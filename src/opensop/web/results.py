"""Plan results for the pages: the monthly job run on the current dataset, cached in-process.

The services do not yet run the pipeline into a plan version (there is no `run_cycle_step` service), so the web
computes what the pages show with `opensop.pipeline` and caches it:

* the statistical forecast and its reconciliation per (load id, config hash): the expensive part, run once;
* consensus and supply per (load id, config hash, overrides fingerprint, levers): cheap, re-run when a cell
  changes, using the pipeline's own step functions so the web never re-implements a step.

`plan_measures` turns a result into the long measure frame that `services.plans` stores; the stored version is
then what the executive pages and the reports read (they never need the cache). This module is the stopgap the
lead replaces with a service (see the web report); nothing here writes to the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from opensop.config import PlanningConfig
from opensop.cycle.steps import CONSENSUS_MEASURE, STATISTICAL_MEASURE
from opensop.finance.lines import COLUMNS as FINANCE_COLUMNS
from opensop.finance.projection import FinancialPlan, project
from opensop.pipeline import STEPS, CycleResult, StepName, run_pipeline
from opensop.schema.frames import PlanningData
from opensop.store.cycle_tables import PlanOverride

FINANCE_PREFIX = "fin_"
MAX_ENTRIES = 16


@dataclass(frozen=True)
class Levers:
    """Scenario levers the web can apply until `opensop.scenarios.run` lands: scale consensus and capacity."""

    demand_pct: float = 0.0
    capacity_pct: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {"demand_pct": self.demand_pct, "capacity_pct": self.capacity_pct}


@dataclass(frozen=True)
class PlanResult:
    load_id: int
    result: CycleResult
    finance: FinancialPlan | None


class _Cache:
    """A small LRU keyed by tuples; a lock per key so two requests never compute the same thing twice."""

    def __init__(self) -> None:
        self._values: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._locks: dict[tuple[Any, ...], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._guard:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        return None

    def lock(self, key: tuple[Any, ...]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._guard:
            self._values[key] = value
            while len(self._values) > MAX_ENTRIES:
                old, _ = self._values.popitem(last=False)
                self._locks.pop(old, None)


_CACHE = _Cache()


def overrides_frame(rows: list[PlanOverride]) -> pd.DataFrame:
    """Stored override cells -> the pipeline's override rows ("" keys mean any: all regions, any item)."""
    records = [
        {
            "source": row.source,
            "kind": row.kind,
            "value": row.value,
            "period": row.period,
            "item_id": row.item_id or None,
            "family_id": row.family_id or None,
            "category_id": None,
            "region_id": row.region_id or None,
            "author": row.author,
            "reason": row.reason,
            "comment": row.comment,
            "entered_at": row.updated_at,
        }
        for row in rows
    ]
    return pd.DataFrame(records)


def fingerprint(rows: list[PlanOverride]) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((row.id, row.row_version) for row in rows))


def forecast_result(load_id: int, data: PlanningData, config: PlanningConfig) -> CycleResult:
    """Forecast + reconciliation of a load: computed once per (load, config) and shared by every page."""
    key = ("forecast", load_id, config.content_hash())
    cached = _CACHE.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    with _CACHE.lock(key):
        cached = _CACHE.get(key)
        if cached is None:
            cached = run_pipeline(data, config, until=StepName.RECONCILE)
            _CACHE.put(key, cached)
    return cached  # type: ignore[no-any-return]


def _run_step(result: CycleResult, name: StepName) -> CycleResult:
    step = next(step for step in STEPS if step.name == name)
    return step.run(result, lambda _step, _done, _total: None)


def _with_levers(result: CycleResult, levers: Levers) -> CycleResult:
    """Demand lever scales the consensus (all sources' views keep their numbers); capacity scales resources."""
    consensus = result.require_consensus()
    if levers.demand_pct:
        plan = consensus.plan.assign(consensus=consensus.plan["consensus"] * (1 + levers.demand_pct / 100))
        result = replace(result, consensus=replace(consensus, plan=plan))
    if levers.capacity_pct:
        factor = 1 + levers.capacity_pct / 100
        resources = result.data.resources.assign(regular_capacity=result.data.resources["regular_capacity"] * factor)
        calendar = result.data.resource_calendar
        if "regular" in calendar.columns and len(calendar):
            calendar = calendar.assign(regular=calendar["regular"] * factor)
        result = replace(result, data=replace(result.data, resources=resources, resource_calendar=calendar))
    return result


def consensus_result(
    load_id: int, data: PlanningData, config: PlanningConfig, overrides: list[PlanOverride]
) -> CycleResult:
    key = ("consensus", load_id, config.content_hash(), fingerprint(overrides))
    cached = _CACHE.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    base = forecast_result(load_id, data, config)
    result = _run_step(replace(base, overrides=overrides_frame(overrides)), StepName.CONSENSUS)
    _CACHE.put(key, result)
    return result


def _key(load_id: int, config: PlanningConfig, overrides: list[PlanOverride], levers: Levers) -> tuple[Any, ...]:
    return ("supply", load_id, config.content_hash(), fingerprint(overrides), levers)


def cached_plan(
    load_id: int, config: PlanningConfig, overrides: list[PlanOverride], levers: Levers = Levers()
) -> PlanResult | None:
    """The supply + finance result if someone has run the plan on exactly this input, else None."""
    value = _CACHE.get(_key(load_id, config, overrides, levers))
    return value if isinstance(value, PlanResult) else None


def run_plan(
    load_id: int,
    data: PlanningData,
    config: PlanningConfig,
    overrides: list[PlanOverride],
    levers: Levers = Levers(),
) -> PlanResult:
    """Consensus -> supply -> finance on the current data: what "Run the plan" does (a few seconds on the demo)."""
    key = _key(load_id, config, overrides, levers)
    with _CACHE.lock(key):
        cached = cached_plan(load_id, config, overrides, levers)
        if cached is not None:
            return cached
        result = _with_levers(consensus_result(load_id, data, config, overrides), levers)
        result = _run_step(result, StepName.SUPPLY)
        supply = result.supply
        finance = (
            project(result.data, result.supply_demand(), supply, config)
            if supply is not None and supply.solve.is_ok
            else None
        )
        outcome = PlanResult(load_id, result, finance)
        _CACHE.put(key, outcome)
        return outcome


def plan_measures(outcome: PlanResult) -> pd.DataFrame:
    """Long measure rows for `services.plans`: demand (statistical, consensus), supply measures, finance lines.

    Finance lines are stored as `fin_<line>` (their names would collide with supply quantities such as
    `purchases`), except `revenue`, which the cycle rules look for under its own name.
    """
    result = outcome.result
    consensus = result.require_consensus().plan
    parts = [
        consensus[["item_id", "region_id", "period"]].assign(measure=measure, value=consensus[column])
        for measure, column in ((STATISTICAL_MEASURE, "statistical"), (CONSENSUS_MEASURE, "consensus"))
    ]
    if result.supply is not None:
        parts.append(result.supply.measures)
    if outcome.finance is not None:
        lines = outcome.finance.lines
        names = lines["line"].astype(str)
        parts.append(lines.assign(measure=names.where(names == "revenue", FINANCE_PREFIX + names)).drop(columns="line"))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["value"].notna()]
    # + 0.0 turns -0.0 into 0.0: SQLite drops the sign of zero, and the stored content hash would no longer match.
    return frame.assign(period=pd.to_datetime(frame["period"]).dt.date, value=frame["value"].astype(float) + 0.0)


def finance_from_measures(measures: pd.DataFrame) -> FinancialPlan:
    """Rebuild a FinancialPlan from a stored version's measures (the reverse of `plan_measures`)."""
    names = measures["measure"].astype(str)
    chosen = measures[(names == "revenue") | names.str.startswith(FINANCE_PREFIX)]
    line = chosen["measure"].astype(str).str.removeprefix(FINANCE_PREFIX)
    frame = chosen.assign(line=line)
    frame = frame.reindex(columns=FINANCE_COLUMNS)
    for column in ("family_id", "region_id", "site_id"):
        frame[column] = frame[column].astype(object)
        frame.loc[frame[column].isna(), column] = None
    return FinancialPlan(frame.assign(period=pd.to_datetime(frame["period"])).reset_index(drop=True))


def kpis(finance: FinancialPlan) -> dict[str, float]:
    """The executive key numbers of a stored version: finance summary plus service level."""
    summary = finance.summary().iloc[0]
    demanded = float(summary.get("units_demanded", 0.0))
    served = float(summary.get("units_served", 0.0))
    return {
        "revenue": float(summary["revenue"]),
        "gross_margin": float(summary["gross_margin"]),
        "margin_pct": float(summary["margin_pct"]) if pd.notna(summary["margin_pct"]) else 0.0,
        "inventory_value": float(summary["inventory_value"]),
        "cash_flow": float(summary["cash_flow"]),
        "plan_cost": float(summary["plan_cost"]),
        "service_level": served / demanded if demanded else 1.0,
        "units_lost": float(summary.get("units_lost", 0.0)),
    }

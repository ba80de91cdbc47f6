"""`plan`: safety stock -> model inputs -> (per independent site group) build -> solve -> extract -> explain.

Sites are independent when no lane joins them and no capacity-limited supplier delivers a component used at
both; each such group is its own LP (the union-find below), solved one after another, results concatenated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from opensop.config import Objective, PlanningConfig
from opensop.schema import PlanningData
from opensop.supply.costs import cost_lines
from opensop.supply.explain import shortfalls
from opensop.supply.extract import _duals, disaggregate, extract
from opensop.supply.inputs import ModelInputs, check_demand, model_inputs
from opensop.supply.lp import SolveResult, SolveStatus, solve
from opensop.supply.model import build
from opensop.supply.safety import safety_stock as compute_safety_stock

MEASURE_COLUMNS = ["measure", "item_id", "site_id", "region_id", "resource_id", "period", "value"]


@dataclass(frozen=True)
class Timings:
    """Seconds per stage, summed over site groups: `inputs` (safety stock, coefficients, family aggregation),
    `build` (LP rows and the HiGHS matrix), `solve` (HiGHS), `extract` (solution -> item frames, explanations;
    it includes `split`, the family -> item split), `report` (recomputed cost lines, long measures frame);
    `variables` and `constraints` of all groups."""

    inputs: float = 0.0
    build: float = 0.0
    solve: float = 0.0
    extract: float = 0.0
    report: float = 0.0
    split: float = 0.0
    variables: int = 0
    constraints: int = 0
    groups: int = 0


@dataclass(frozen=True)
class SupplyPlan:
    """The constrained supply plan; frames are empty when `solve.is_ok` is False."""

    solve: SolveResult
    measures: pd.DataFrame
    production: pd.DataFrame  # item_id, site_id, period, regular, overtime, subcontract
    purchases: pd.DataFrame  # supplier_id, part_id, site_id, order_period, period, quantity, unit_cost
    transfers: pd.DataFrame  # item_id, from_site, to_site, ship_period, period, quantity
    inventory: pd.DataFrame  # item_id, site_id, period, kind, quantity, below_safety_stock
    service: pd.DataFrame  # item_id, region_id, period, demand, served, backlog, lost
    capacity: pd.DataFrame  # resource_id, site_id, kind, period, load (firm orders in), firm_load, ..., shadow_price
    shortfalls: pd.DataFrame  # item_id, region_id, site_id, period, quantity, binding, shadow_price, relief, ...
    headcount: pd.DataFrame  # resource_id, site_id, period, headcount, hires, layoffs
    costs: pd.DataFrame  # line, value
    safety_stock: pd.DataFrame  # item_id, site_id, safety_stock (+ sigma, lead time, factor when computed)
    timings: Timings = field(default_factory=Timings)
    warnings: tuple[str, ...] = ()


def site_groups(inputs: ModelInputs) -> list[list[str]]:
    """Connected components of sites joined by lanes or by a capacity-limited supplier they share."""
    sites = sorted(
        set(inputs.stock["site"])
        | set(inputs.capacity["site"])
        | set(inputs.demand["site"])
        | set(inputs.storage["site"])
    )
    parent = {s: s for s in sites}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    limited = inputs.suppliers[np.isfinite(inputs.suppliers["capacity"])]
    shared = limited.merge(inputs.component_stock, on="component")[["supplier", "component", "site"]]
    first = shared.groupby(["supplier", "component"])["site"].transform("first")
    edges = [
        *zip(inputs.lanes["from_site"], inputs.lanes["to_site"], strict=True),
        *zip(first, shared["site"], strict=True),
    ]
    for a, b in edges:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for s in sites:
        groups.setdefault(root(s), []).append(s)
    return list(groups.values())


def subset(inputs: ModelInputs, sites: list[str]) -> ModelInputs:
    """The inputs of one site group."""
    keep = set(sites)

    def at(frame: pd.DataFrame, column: str = "site") -> pd.DataFrame:
        return frame[frame[column].isin(keep)].reset_index(drop=True)

    component_stock = at(inputs.component_stock)
    capacity = at(inputs.capacity)
    return replace(
        inputs,
        demand=at(inputs.demand),
        backorders=at(inputs.backorders),
        make=at(inputs.make),
        stock=at(inputs.stock),
        receipts=at(inputs.receipts),
        usage=at(inputs.usage),
        capacity=capacity,
        firm_load=inputs.firm_load[inputs.firm_load["resource"].isin(set(capacity["resource"]))],
        workforce=at(inputs.workforce),
        component_stock=component_stock,
        component_receipts=at(inputs.component_receipts),
        suppliers=inputs.suppliers[inputs.suppliers["component"].isin(set(component_stock["component"]))],
        lanes=at(inputs.lanes, "from_site"),
        storage=at(inputs.storage),
    )


def _worst(results: list[SolveResult]) -> SolveResult:
    bad = [r for r in results if not r.is_ok]
    runtime = sum(r.runtime_seconds for r in results)
    if bad:
        first = bad[0]
        conflicts = tuple(c for r in bad for c in r.conflicts)
        return SolveResult(first.status, first.termination, float("nan"), runtime, conflicts)
    objective = sum(r.objective for r in results if r.status is SolveStatus.OPTIMAL)
    status = SolveStatus.OPTIMAL if any(r.status is SolveStatus.OPTIMAL for r in results) else SolveStatus.EMPTY
    return SolveResult(status, results[0].termination if results else "empty", objective, runtime)


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate the groups' frames, skipping empty ones (pandas would otherwise guess dtypes from them)."""
    full = [f for f in frames if len(f)]
    return pd.concat(full, ignore_index=True) if full else frames[0]


def measures(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The plan as one long frame: measure, item_id, site_id, region_id, resource_id, period, value."""
    specs = [
        ("production", ["regular", "overtime", "subcontract"], "production_"),
        ("inventory", ["quantity", "below_safety_stock"], "inventory_"),
        ("service", ["demand", "served", "backlog", "lost"], ""),
        ("capacity", ["load", "regular", "overtime", "overtime_capacity", "shadow_price"], "capacity_"),
        ("headcount", ["headcount", "hires", "layoffs"], ""),
    ]
    parts = []
    for name, columns, prefix in specs:
        frame = frames[name]
        ids = [c for c in MEASURE_COLUMNS if c in frame.columns and c not in ("measure", "value")]
        long = frame.melt(id_vars=ids, value_vars=columns, var_name="measure", value_name="value")
        parts.append(long.assign(measure=prefix + long["measure"]))
    purchases = frames["purchases"].rename(columns={"part_id": "item_id"})
    parts.append(
        purchases[["item_id", "site_id", "period", "quantity"]]
        .rename(columns={"quantity": "value"})
        .assign(measure="purchases")
    )
    transfers = frames["transfers"].rename(columns={"to_site": "site_id"})
    parts.append(
        transfers[["item_id", "site_id", "period", "quantity"]]
        .rename(columns={"quantity": "value"})
        .assign(measure="transfers_in")
    )
    out = pd.concat(parts, ignore_index=True)
    return out.reindex(columns=MEASURE_COLUMNS)


def plan(
    data: PlanningData,
    demand: pd.DataFrame,
    config: PlanningConfig,
    *,
    safety_stock: pd.DataFrame | None = None,
) -> SupplyPlan:
    """The constrained supply plan for `demand` (item_id, region_id, period, quantity [, sigma | lo_95, hi_95])."""
    supply = config.supply
    started = time.perf_counter()
    demand = check_demand(demand)
    safety = (
        safety_stock
        if safety_stock is not None
        else compute_safety_stock(data, demand, method=supply.safety_stock_method)
    )
    safety = safety.astype({"item_id": str, "site_id": str})
    inputs = model_inputs(data, demand, config, safety)
    groups = (
        site_groups(inputs) if supply.decompose else [sorted(set(inputs.stock["site"]) | set(inputs.capacity["site"]))]
    )
    inputs_seconds = time.perf_counter() - started

    results: list[SolveResult] = []
    pieces: list[dict[str, pd.DataFrame]] = []
    build_s = extract_s = 0.0
    n_vars = n_rows = 0
    for sites in groups:
        part = subset(inputs, sites) if len(groups) > 1 else inputs
        started = time.perf_counter()
        lp = build(part, supply)
        warm = None
        if supply.objective is Objective.MAX_MARGIN:  # same constraints, min-cost costs: the start (lp.solve)
            warm = build(part, replace(supply, objective=Objective.MIN_COST)).cost_vector()
        build_s += time.perf_counter() - started
        solution = solve(
            lp,
            time_limit=supply.time_limit_seconds,
            method=supply.solver_method,
            crossover=supply.crossover,
            warm_costs=warm,
        )
        build_s += solution.build_matrix_seconds
        n_vars += lp.n_vars
        n_rows += lp.n_rows
        result = solution.result
        if supply.objective is Objective.MAX_MARGIN and result.status is SolveStatus.OPTIMAL:
            result = replace(result, objective=-result.objective)
        results.append(result)
        if not result.is_ok:
            continue
        started = time.perf_counter()
        frames = extract(part, lp, solution)
        duals = {name: _duals(lp, solution, name) for name in ("resource_capacity", "supplier_capacity", "storage")}
        frames["shortfalls"] = shortfalls(
            part, frames["service"], frames["capacity"], duals, frames.pop("make_level"), frames["inventory"]
        )
        pieces.append(frames)
        extract_s += time.perf_counter() - started

    result = _worst(results)
    started = time.perf_counter()
    names = ["production", "purchases", "transfers", "inventory", "service", "capacity", "headcount", "shortfalls"]
    if result.is_ok and pieces:
        stacked = {name: _stack([p[name] for p in pieces]) for name in pieces[0]}
        split_started = time.perf_counter()
        frames = disaggregate(inputs, stacked)
        split_s = time.perf_counter() - split_started
    else:
        frames = {name: pd.DataFrame() for name in names}
        split_s = 0.0
    extract_s += time.perf_counter() - started
    started = time.perf_counter()
    if result.is_ok and pieces:
        costs = cost_lines(data, config, **{n: frames[n] for n in names if n != "shortfalls"})
        frames["capacity"] = frames["capacity"].drop(columns="t")
        long = measures(frames)
    else:
        costs = pd.DataFrame({"line": pd.Series(dtype=str), "value": pd.Series(dtype=float)})
        long = pd.DataFrame(columns=MEASURE_COLUMNS)
    report_s = time.perf_counter() - started
    timings = Timings(
        inputs_seconds, build_s, result.runtime_seconds, extract_s, report_s, split_s, n_vars, n_rows, len(groups)
    )
    return SupplyPlan(
        solve=result,
        measures=long,
        costs=costs,
        safety_stock=safety,
        timings=timings,
        warnings=inputs.warnings,
        **frames,
    )

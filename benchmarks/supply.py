"""Supply LP benchmark: model size and time per stage on synthetic companies.

    python benchmarks/supply.py            # 200 x 2 (item), 2,000 x 3 (item and family), 10,000 x 3 (family)
    python benchmarks/supply.py --full     # also 10,000 x 3 at item level (3.6M variables, minutes)
    python benchmarks/supply.py --smoke    # tiny sizes, a few seconds (CI)

(build + extract) / solve is the issue's target (<= 0.3 at the largest size); extract includes the family -> item
split, printed on its own as `split`. The last line compares that split (numpy take by demand row) with the naive
way, a pandas join of the family results to the item rows on their four keys, on the same solved plan.

The synthetic company: items in families of 20, each family made at one plant (4 machines + 1 labour pool),
sold in 4 regions, 24 months of seasonal demand with 10 % error, 5 critical components per plant from two
suppliers (one capacity-limited), peak-season capacity ~10 % short so overtime, build-ahead and backlog all
occur. Plants share no lane or supplier, so each is its own LP (`decompose`); the coupled run is measured too.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from opensop.config import Objective, PlanningConfig, PlanningLevel, SupplyConfig
from opensop.schema import PlanningData
from opensop.supply import plan, safety_stock
from opensop.supply.explain import shortfalls
from opensop.supply.extract import SERVICE_VALUES, _duals, disaggregate, extract
from opensop.supply.inputs import check_demand, model_inputs
from opensop.supply.lp import solve
from opensop.supply.model import build

MONTHS = 24
FAMILY_SIZE = 20
REGIONS = ("NORTH", "SOUTH", "EXPORT", "ECOM")


def company(n_items: int, n_sites: int, seed: int = 7) -> tuple[PlanningData, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    items = np.array([f"I{i:05d}" for i in range(n_items)])
    family_of = np.arange(n_items) // FAMILY_SIZE
    families = np.array([f"F{f:04d}" for f in range(family_of.max() + 1)])
    sites = np.array([f"P{s}" for s in range(n_sites)])
    site_of = family_of % n_sites
    cost = rng.uniform(5, 80, n_items).round(2)
    base = rng.lognormal(3.0, 1.0, n_items)
    periods = pd.date_range("2027-01-01", periods=MONTHS, freq="MS")
    season = 1 + 0.35 * np.sin(2 * np.pi * (np.arange(MONTHS) + 3 * (family_of[:, None] % 4)) / 12)
    monthly = base[:, None] * season
    region_share = np.array([0.4, 0.3, 0.2, 0.1])
    qty = (monthly[:, None, :] * region_share[None, :, None]).round(1)
    demand = pd.DataFrame(
        {
            "item_id": np.repeat(items, len(REGIONS) * MONTHS),
            "region_id": np.tile(np.repeat(REGIONS, MONTHS), n_items),
            "period": np.tile(periods, n_items * len(REGIONS)),
            "quantity": qty.ravel(),
        }
    )
    demand["sigma"] = 0.1 * demand["quantity"]

    machines = [f"{s}-M{m}" for s in sites for m in range(4)]
    usage_m = rng.uniform(0.05, 0.5, (n_items, 4))
    routings = pd.DataFrame(
        {
            "item_id": np.repeat(items, 5),
            "site_id": np.repeat(sites[site_of], 5),
            "resource_id": [
                r
                for i in range(n_items)
                for r in [*(f"{sites[site_of[i]]}-M{m}" for m in range(4)), f"{sites[site_of[i]]}-L"]
            ],
            "usage_per_unit": np.column_stack([usage_m, rng.uniform(0.2, 1.0, n_items)]).ravel(),
        }
    )
    mean_load = (
        routings.assign(load=routings["usage_per_unit"] * np.repeat(base * 1.0, 5)).groupby("resource_id")["load"].sum()
    )
    regular = (mean_load * 1.2).reindex([*machines, *(f"{s}-L" for s in sites)]).fillna(1.0)
    resources = pd.DataFrame(
        {
            "resource_id": regular.index,
            "site_id": [r.split("-")[0] for r in regular.index],
            "kind": ["machine"] * len(machines) + ["labour"] * n_sites,
            "regular_capacity": regular.to_numpy(),
            "overtime_capacity": 0.15 * regular.to_numpy(),
            "overtime_cost": 8.0,
        }
    )
    labour_hours = regular[[f"{s}-L" for s in sites]].to_numpy()
    workforce = pd.DataFrame(
        {
            "site_id": sites,
            "resource_id": [f"{s}-L" for s in sites],
            "headcount": labour_hours / 150,
            "hours_per_worker": 150.0,
            "max_overtime_per_worker": 20.0,
            "wage_per_worker": 3500.0,
            "hire_cost": 4000.0,
            "layoff_cost": 12000.0,
            "min_headcount": 0.8 * labour_hours / 150,
            "max_headcount": 1.3 * labour_hours / 150,
        }
    )
    comp = np.array([f"K{s}{j}" for s in range(n_sites) for j in range(5)])
    components = pd.DataFrame(
        {
            "item_id": items,
            "component_id": [f"K{site_of[i]}{i % 5}" for i in range(n_items)],
            "quantity_per": rng.integers(1, 4, n_items).astype(float),
        }
    )
    need = components.assign(q=components["quantity_per"] * base).groupby("component_id")["q"].sum()
    suppliers = pd.DataFrame(
        {
            "supplier_id": np.concatenate([[f"U{c}" for c in comp], [f"V{c}" for c in comp]]),
            "part_id": np.concatenate([comp, comp]),
            "lead_time_months": np.concatenate([np.ones(len(comp)), 2 * np.ones(len(comp))]).astype(int),
            "monthly_capacity": np.concatenate(
                [0.8 * need.reindex(comp).fillna(1.0).to_numpy(), np.full(len(comp), np.nan)]
            ),
            "unit_cost": np.concatenate([np.full(len(comp), 2.0), np.full(len(comp), 2.6)]),
        }
    )
    frames = {
        "families": pd.DataFrame({"family_id": families, "category_id": "C"}),
        "items": pd.DataFrame(
            {
                "item_id": items,
                "family_id": families[family_of],
                "unit_price": (cost * rng.uniform(1.4, 2.2, n_items)).round(2),
                "unit_cost": cost,
                "abc_class": rng.choice(["A", "B", "C"], n_items, p=[0.2, 0.3, 0.5]),
            }
        ),
        "regions": pd.DataFrame({"region_id": REGIONS, "priority": [1, 1, 2, 2]}),
        "sites": pd.DataFrame({"site_id": sites, "kind": "plant", "storage_capacity": 3 * base.sum()}),
        "resources": resources,
        "routings": routings,
        "workforce": workforce,
        "components": components,
        "suppliers": suppliers,
        "inventory": pd.DataFrame({"item_id": items, "site_id": sites[site_of], "on_hand": (base * 0.5).round(1)}),
        "policies": pd.DataFrame(
            {
                "abc_class": ["A", "B", "C"],
                "service_level": [0.98, 0.95, 0.9],
                "holding_cost_rate": 0.25,
                "backlog_cost_rate": 0.02,
                "lost_sales_rate": 0.3,
                "max_backlog_months": 2,
            }
        ),
    }
    return PlanningData.from_frames(frames), demand


def configuration(level: PlanningLevel, *, decompose: bool = True, method: str = "choose") -> PlanningConfig:
    supply = SupplyConfig(planning_level=level, decompose=decompose, solver_method=method, time_limit_seconds=3600.0)
    return PlanningConfig(horizon_months=MONTHS, start_period=date(2027, 1, 1), supply=supply)


def run(n_items: int, n_sites: int, level: PlanningLevel, *, decompose: bool = True, method: str = "choose") -> None:
    started = time.perf_counter()
    data, demand = company(n_items, n_sites)
    generated = time.perf_counter() - started
    config = configuration(level, decompose=decompose, method=method)
    started = time.perf_counter()
    result = plan(data, demand, config)
    total = time.perf_counter() - started
    t = result.timings
    ratio = (t.build + t.extract) / t.solve if t.solve > 0 else float("nan")
    print(
        f"{n_items:>6} x {n_sites} x {MONTHS} {level.value:>6} {'split' if decompose else 'whole':>5} {method:>7}"
        f" | vars {t.variables:>8,} rows {t.constraints:>8,} groups {t.groups}"
        f" | inputs {t.inputs:5.2f}s build {t.build:5.2f}s solve {t.solve:6.2f}s extract {t.extract:5.2f}s"
        f" (split {t.split:4.2f}s) report {t.report:5.2f}s"
        f" | (build+extract)/solve {ratio:5.2f} | end to end {total:6.2f}s (data gen {generated:4.1f}s)"
        f" | {result.solve.status.value}, objective {result.solve.objective:,.0f},"
        f" backlog {result.service['backlog'].sum():,.0f},"
        f" overtime h {result.capacity['overtime'].sum():,.0f}"
    )


def split_comparison(n_items: int, n_sites: int) -> None:
    """The family -> item split of service (demand, served, backlog, lost) by position vs by a keyed pandas join."""
    data, demand = company(n_items, n_sites)
    config = configuration(PlanningLevel.FAMILY, decompose=False)
    demand = check_demand(demand)
    inputs = model_inputs(data, demand, config, safety_stock(data, demand).astype({"item_id": str, "site_id": str}))
    lp = build(inputs, config.supply)
    solution = solve(lp, time_limit=config.supply.time_limit_seconds)
    frames = extract(inputs, lp, solution)
    duals = {name: _duals(lp, solution, name) for name in ("resource_capacity", "supplier_capacity", "storage")}
    frames["shortfalls"] = shortfalls(
        inputs, frames["service"], frames["capacity"], duals, frames.pop("make_level"), frames["inventory"]
    )

    started = time.perf_counter()
    ours = disaggregate(inputs, frames)["service"]
    positional = time.perf_counter() - started

    started = time.perf_counter()
    keys = ["product", "region", "site", "t"]
    rows = inputs.service_weights.merge(inputs.demand[["demand_id", "product"]], on="demand_id")
    joined = frames["service"].drop(columns="demand_id").merge(rows.drop(columns="demand_id"), on=keys)
    joined[SERVICE_VALUES] = joined[SERVICE_VALUES].mul(joined["weight"], axis=0)
    naive = joined.groupby(["item_id", "region", "t"], as_index=False)[SERVICE_VALUES].sum()
    joined_seconds = time.perf_counter() - started

    same = np.allclose(ours[SERVICE_VALUES].to_numpy(), naive[SERVICE_VALUES].to_numpy(), atol=1e-9)
    print(
        f"{n_items:>6} x {n_sites} x {MONTHS} family item split of {len(ours):,} service rows"
        f" | by demand row {positional:5.2f}s (whole split: production, inventory, transfers, shortfalls too)"
        f" | naive keyed join of service alone {joined_seconds:5.2f}s"
        f" | naive / ours {joined_seconds / positional:4.1f}x | same values: {same}"
    )
    if not same:
        raise SystemExit("the positional split and the keyed join disagree")


def objectives(data: PlanningData, demand: pd.DataFrame, config: PlanningConfig, label: str) -> None:
    """Min-cost and max-margin on the same demand, in one run: the max-margin LP starts from the min-cost basis
    (`opensop.supply.lp.solve`); `cold` solves it from scratch, as before that warm start, for the ratio."""
    seconds: dict[str, float] = {}
    values: dict[str, float] = {}
    for objective in (Objective.MIN_COST, Objective.MAX_MARGIN):
        chosen = replace(config, supply=replace(config.supply, objective=objective))
        result = plan(data, demand, chosen)
        seconds[objective.value], values[objective.value] = result.timings.solve, result.solve.objective
    margin = replace(config, supply=replace(config.supply, objective=Objective.MAX_MARGIN))
    inputs = model_inputs(
        data, check_demand(demand), margin, safety_stock(data, demand).astype({"item_id": str, "site_id": str})
    )
    cold = solve(build(inputs, margin.supply), time_limit=margin.supply.time_limit_seconds)
    ratio = seconds["max_margin"] / seconds["min_cost"]
    print(
        f"{label} | solve min-cost {seconds['min_cost']:6.2f}s (objective {values['min_cost']:,.0f})"
        f" | max-margin warm {seconds['max_margin']:6.2f}s (margin {values['max_margin']:,.0f})"
        f" | max-margin cold {cold.result.runtime_seconds:6.2f}s ({cold.result.status.value},"
        f" margin {-cold.result.objective:,.0f}) | max-margin / min-cost {ratio:4.2f} (target <= 2)"
    )


def demo_objectives() -> None:
    """The objectives on the demo company's own consensus (forecast once, then the two supply plans)."""
    from opensop.demo import generate_demo
    from opensop.pipeline import PipelineStep, run_pipeline

    result = run_pipeline(PlanningData.from_frames(generate_demo()), PlanningConfig(), until=PipelineStep.CONSENSUS)
    objectives(result.data, result.supply_demand(), result.config, "demo company (250 items x 3 sites x 18 months)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--methods", action="store_true", help="also compare simplex and IPM at 200 x 2")
    parser.add_argument("--full", action="store_true", help="also 10,000 x 3 at item level (minutes)")
    args = parser.parse_args()
    if args.smoke:
        run(40, 2, PlanningLevel.ITEM)
        run(200, 2, PlanningLevel.FAMILY)
        split_comparison(200, 2)
        objectives(*company(40, 2), configuration(PlanningLevel.ITEM), "    40 x 2 x 24 item")
        return
    demo_objectives()
    run(200, 2, PlanningLevel.ITEM)
    run(200, 2, PlanningLevel.ITEM, decompose=False)
    if args.methods:
        run(200, 2, PlanningLevel.ITEM, method="simplex")
        run(200, 2, PlanningLevel.ITEM, method="ipm")
    run(2000, 3, PlanningLevel.FAMILY)
    run(2000, 3, PlanningLevel.ITEM)
    run(10000, 3, PlanningLevel.FAMILY)
    split_comparison(10000, 3)
    if args.full:
        run(10000, 3, PlanningLevel.ITEM)


if __name__ == "__main__":
    main()

"""Invariants of the supply plan on small random instances (hypothesis).

Every plan must balance its stocks and backlogs month by month, stay within every capacity, supplier and storage
limit, never hold negative stock, and its LP objective must equal the costs recomputed from its quantities.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opensop.config import Objective, PlanningConfig, PlanningLevel, SupplyConfig
from opensop.schema import PlanningData
from opensop.supply import SolveStatus, SupplyPlan, objective_value, plan

TOL = 1e-5


@st.composite
def instances(draw: st.DrawFn) -> tuple[PlanningData, pd.DataFrame, PlanningConfig]:
    n_items = draw(st.integers(1, 3))
    n_sites = draw(st.integers(1, 2))
    n_regions = draw(st.integers(1, 2))
    months = draw(st.integers(2, 4))
    qty = st.floats(0, 150, allow_nan=False).map(lambda x: round(x, 1))
    items = [f"I{i}" for i in range(n_items)]
    sites = [f"S{s}" for s in range(n_sites)]
    regions = [f"R{r}" for r in range(n_regions)]
    on_hand = {(i, s): draw(qty) / 3 for i in items for s in sites}
    unit_cost = [draw(st.floats(5, 60)) for _ in items]
    frames: dict[str, pd.DataFrame] = {
        "families": pd.DataFrame({"family_id": ["F0", "F1"], "category_id": ["C", "C"]}),
        "items": pd.DataFrame(
            {
                "item_id": items,
                "family_id": [f"F{k % 2}" for k in range(n_items)],
                "unit_price": [c * draw(st.floats(1.1, 3.0)) for c in unit_cost],
                "unit_cost": unit_cost,
                "abc_class": [draw(st.sampled_from(["A", "B"])) for _ in items],
                "max_stock": [
                    max(on_hand[(i, s)] for s in sites) + draw(st.floats(0, 300)) if draw(st.booleans()) else np.nan
                    for i in items
                ],
            }
        ),
        "regions": pd.DataFrame({"region_id": regions, "priority": [draw(st.integers(1, 2)) for _ in regions]}),
        "sites": pd.DataFrame(
            {
                "site_id": sites,
                "kind": "plant",
                "storage_capacity": [
                    sum(on_hand[(i, s)] for i in items) + draw(st.floats(0, 300)) if draw(st.booleans()) else np.nan
                    for s in sites
                ],
            }
        ),
        "resources": pd.DataFrame(
            {
                "resource_id": [f"M{s}" for s in sites] + ["L0"],
                "site_id": [*sites, sites[0]],
                "kind": ["machine"] * n_sites + ["labour"],
                "regular_capacity": [draw(st.floats(20, 200)) for _ in sites] + [400.0],
                "overtime_capacity": [draw(st.floats(0, 50)) for _ in sites] + [0.0],
                "overtime_cost": [draw(st.floats(0, 10)) for _ in range(n_sites + 1)],
            }
        ),
        "workforce": pd.DataFrame(
            {
                "site_id": [sites[0]],
                "resource_id": ["L0"],
                "headcount": [draw(st.floats(1, 5))],
                "hours_per_worker": [100.0],
                "max_overtime_per_worker": [draw(st.floats(0, 20))],
                "wage_per_worker": [draw(st.floats(100, 2000))],
                "hire_cost": [draw(st.floats(0, 500))],
                "layoff_cost": [draw(st.floats(0, 500))],
                "min_headcount": [0.5],
                "max_headcount": [8.0],
            }
        ),
        "inventory": pd.DataFrame(
            {"item_id": [k[0] for k in on_hand], "site_id": [k[1] for k in on_hand], "on_hand": list(on_hand.values())}
        ),
        "policies": pd.DataFrame(
            {
                "abc_class": ["A", "B"],
                "service_level": [0.98, 0.9],
                "holding_cost_rate": [draw(st.floats(0.05, 0.5)), 0.25],
                "backlog_cost_rate": [draw(st.floats(0.0, 0.1)), 0.02],
                "lost_sales_rate": [draw(st.floats(0.0, 1.0)), 0.5],
                "max_backlog_months": [draw(st.integers(0, 2)), 1],
            }
        ),
    }
    routings = []
    for i in items:
        made_at = draw(st.lists(st.sampled_from(sites), min_size=1, max_size=n_sites, unique=True))
        routings += [(i, s, f"M{s[1:]}", draw(st.floats(0.5, 2.0))) for s in made_at]
        if sites[0] in made_at and draw(st.booleans()):
            routings.append((i, sites[0], "L0", draw(st.floats(0.5, 3.0))))
    frames["routings"] = pd.DataFrame(routings, columns=["item_id", "site_id", "resource_id", "usage_per_unit"])
    if draw(st.booleans()):
        frames["components"] = pd.DataFrame({"item_id": items, "component_id": "K", "quantity_per": 1.0})
        frames["suppliers"] = pd.DataFrame(
            {
                "supplier_id": ["U1"],
                "part_id": ["K"],
                "lead_time_months": [draw(st.integers(0, 1))],
                "monthly_capacity": [draw(st.floats(10, 200))],
                "unit_cost": [draw(st.floats(1, 10))],
            }
        )
        frames["inventory"] = pd.concat(
            [frames["inventory"], pd.DataFrame({"item_id": ["K"], "site_id": [sites[0]], "on_hand": [draw(qty)]})]
        )
    if n_sites == 2:
        frames["lanes"] = pd.DataFrame(
            {
                "from_site": ["S0", "S1"],
                "to_site": ["S1", "S0"],
                "cost_per_unit": [draw(st.floats(0, 5)), draw(st.floats(0, 5))],
                "lead_time_months": [draw(st.integers(0, 1)), 0],
            }
        )
        frames["sourcing"] = pd.DataFrame(
            [(i, r, draw(st.sampled_from(sites)), 1.0) for i in items for r in regions],
            columns=["item_id", "region_id", "site_id", "share"],
        )
    periods = pd.date_range("2025-01-01", periods=months, freq="MS")
    demand = pd.DataFrame(
        [(i, r, p, draw(qty), draw(st.floats(0, 20))) for i in items for r in regions for p in periods],
        columns=["item_id", "region_id", "period", "quantity", "sigma"],
    )
    supply = SupplyConfig(
        objective=draw(st.sampled_from(list(Objective))),
        planning_level=draw(st.sampled_from(list(PlanningLevel))),
        clear_backlog_at_end=draw(st.booleans()),
        time_limit_seconds=30.0,
    )
    config = PlanningConfig(horizon_months=months, start_period=date(2025, 1, 1), supply=supply)
    return PlanningData.from_frames(frames), demand, config


def _group(data: PlanningData, config: PlanningConfig, frame: pd.DataFrame) -> pd.Series:
    """Balance checks run per item (item level) or per family (family level: items are a pro-rata split)."""
    if config.supply.planning_level is PlanningLevel.ITEM:
        return frame["item_id"]
    families = data.items.set_index("item_id")["family_id"].astype(str)
    return frame["item_id"].map(families)


def check_balances(data: PlanningData, config: PlanningConfig, result: SupplyPlan) -> None:
    periods = sorted(result.service["period"].unique())
    items = result.inventory[result.inventory["kind"] == "item"]
    flows = []
    stock = items.assign(g=_group(data, config, items)).groupby(["g", "period"])["quantity"].sum()
    made = result.production.assign(
        g=_group(data, config, result.production),
        q=result.production[["regular", "overtime", "subcontract"]].sum(axis=1),
    )
    flows.append(made.groupby(["g", "period"])["q"].sum())
    moved = result.transfers
    if len(moved):
        arrive = moved.assign(g=_group(data, config, moved)).groupby(["g", "period"])["quantity"].sum()
        leave = moved.assign(g=_group(data, config, moved)).groupby(["g", "ship_period"])["quantity"].sum()
        flows += [arrive, -leave.rename_axis(["g", "period"])]
    served = result.service.assign(g=_group(data, config, result.service)).groupby(["g", "period"])["served"].sum()
    flows.append(-served)
    opening = data.inventory.assign(item_id=data.inventory["item_id"].astype(str))
    opening = opening[opening["item_id"].isin(set(data.items["item_id"].astype(str)))]
    opening_by = opening.assign(g=_group(data, config, opening)).groupby("g")["on_hand"].sum()
    for g in stock.index.get_level_values("g").unique():
        previous = float(opening_by.get(g, 0.0))
        for p in periods:
            net = sum(float(f.get((g, p), 0.0)) for f in flows)
            assert float(stock.get((g, p), 0.0)) == pytest.approx(previous + net, abs=1e-4), (g, p)
            previous = float(stock.get((g, p), 0.0))

    service = result.service.sort_values("period")
    service = service.assign(g=_group(data, config, service))
    for _, rows in service.groupby(["g", "region_id"]):
        sums = rows.groupby("period")[["demand", "served", "backlog", "lost"]].sum()
        previous = 0.0
        for p, row in sums.iterrows():
            assert row["backlog"] == pytest.approx(previous + row["demand"] - row["served"] - row["lost"], abs=1e-4), p
            previous = row["backlog"]


def check_limits(data: PlanningData, result: SupplyPlan) -> None:
    cap = result.capacity
    assert (cap["load"] <= cap["regular"] + cap["overtime_capacity"] + TOL).all()
    assert (cap["overtime"] <= cap["overtime_capacity"] + TOL).all()
    assert (cap["load"] <= cap["regular"] + cap["overtime"] + TOL).all()
    if len(result.purchases):
        bought = result.purchases.groupby(["supplier_id", "part_id", "period"])["quantity"].sum().reset_index()
        limits = data.suppliers.astype({"supplier_id": str, "part_id": str})
        bought = bought.merge(limits, on=["supplier_id", "part_id"])
        assert (bought["quantity"] <= bought["monthly_capacity"].fillna(np.inf) + TOL).all()
    items = result.inventory[result.inventory["kind"] == "item"]
    stored = items.groupby(["site_id", "period"])["quantity"].sum().reset_index()
    stored = stored.merge(data.sites.astype({"site_id": str}), on="site_id")
    assert (stored["quantity"] <= stored["storage_capacity"].fillna(np.inf) + TOL).all()
    assert (result.inventory["quantity"] >= -TOL).all()
    assert (result.production[["regular", "overtime", "subcontract"]] >= -TOL).all().all()
    assert (result.service[["served", "backlog", "lost"]] >= -TOL).all().all()
    assert (result.headcount["headcount"] >= 0.5 - TOL).all()


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow])  # each example solves an LP
@given(instances())
def test_supply_plan_invariants(case: tuple[PlanningData, pd.DataFrame, PlanningConfig]) -> None:
    data, demand, config = case
    result = plan(data, demand, config)
    assert result.solve.status is SolveStatus.OPTIMAL
    recomputed = objective_value(result.costs, config.supply.objective)
    assert result.solve.objective == pytest.approx(recomputed, rel=1e-6, abs=1e-4)
    check_balances(data, config, result)
    check_limits(data, result)

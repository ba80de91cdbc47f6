"""The demo company's supply plan shows a real peak-season capacity decision, with its explanation."""

from __future__ import annotations

import pandas as pd
import pytest

from opensop import demo
from opensop.config import PlanningConfig
from opensop.finance import project
from opensop.kpi import KpiInputs, compute
from opensop.schema import PlanningData
from opensop.supply import (
    SolveStatus,
    SupplyPlan,
    cost_lines,
    objective_value,
    plan,
    requirements,
    rough_cut_capacity,
)
from opensop.supply.capacity import firm_load
from opensop.supply.coefficients import component_prices, labour_rates, unit_costs


def seasonal_naive_demand(data: PlanningData) -> pd.DataFrame:
    """Next year's demand = the last 12 months of history, a stand-in for the consensus until `demand` lands."""
    history = data.sales_history
    last = history[history["period"] > history["period"].max() - pd.DateOffset(months=12)]
    demand = last.assign(period=last["period"] + pd.DateOffset(years=1))
    demand = demand[["item_id", "region_id", "period", "quantity"]].astype({"item_id": str, "region_id": str})
    demand["quantity"] = demand["quantity"].clip(lower=0.0)
    return demand.assign(sigma=0.25 * demand["quantity"])


@pytest.fixture(scope="module")
def demo_plan() -> tuple[PlanningData, pd.DataFrame, PlanningConfig, SupplyPlan]:
    data = PlanningData.from_frames(demo.generate_demo())
    config = PlanningConfig(horizon_months=12)
    demand = seasonal_naive_demand(data)
    return data, demand, config, plan(data, demand, config)


def test_demo_plan_has_an_explained_peak_season_capacity_decision(
    demo_plan: tuple[PlanningData, pd.DataFrame, PlanningConfig, SupplyPlan],
) -> None:
    data, _, config, result = demo_plan
    assert result.solve.status is SolveStatus.OPTIMAL
    assert objective_value(result.costs, config.supply.objective) == pytest.approx(result.solve.objective, rel=1e-6)
    binding = result.capacity[result.capacity["shadow_price"] > 0]
    assert len(binding) > 0, "no resource is ever binding in the demo plan"
    explained = result.shortfalls[result.shortfalls["binding"].str.startswith(("resource", "supplier", "storage"))]
    assert len(explained) > 0
    assert (explained["shadow_price"] > 0).all()
    assert explained["relief"].notna().all()
    # the decision falls in a documented peak: Angers' spring-summer season or Lyon's Christmas season
    tightest = binding.loc[binding["shadow_price"].idxmax()]
    assert tightest["period"].month in (3, 4, 5, 6, 7, 10, 11, 12)
    assert explained["binding"].str.contains(str(tightest["resource_id"])).any()

    # the unconstrained rough-cut view sees the same peak before the LP resolves it: most of the demo's volume is
    # shipped from the Orleans warehouse, so this holds only if warehouse requirements load the plants
    needs = requirements(data, seasonal_naive_demand(data), config, safety_stock=result.safety_stock)
    overloaded = rough_cut_capacity(data, needs, config).query("overload > 0")
    assert str(tightest["resource_id"]) in set(overloaded["resource_id"])
    assert set(overloaded["period"].dt.month) <= {3, 4, 5, 6, 7, 10, 11, 12}


def test_demo_subcontracts_only_where_its_own_plant_is_busy(
    demo_plan: tuple[PlanningData, pd.DataFrame, PlanningConfig, SupplyPlan],
) -> None:
    """With the components and labour counted once (the cost convention), making in-house is cheaper than the
    subcontractor (1.3 x the standard) whenever the plant has room: no unit is subcontracted in a month when every
    resource of its plant is below 90 % of its regular capacity. (Counting them twice, the demo subcontracted
    at the ceiling every month while the plants were nearly idle.)"""
    _, _, _, result = demo_plan
    capacity = result.capacity.assign(utilisation=result.capacity["load"] / result.capacity["regular"])
    busiest = capacity.groupby(["site_id", "period"], as_index=False)["utilisation"].max()
    bought = result.production.groupby(["site_id", "period"], as_index=False)["subcontract"].sum()
    bought = bought[bought["subcontract"] > 1e-6].merge(busiest, on=["site_id", "period"], how="left")
    assert (bought["utilisation"] >= 0.9).all(), bought[bought["utilisation"] < 0.9]


def test_demo_objective_finance_and_kpis_are_one_computation(
    demo_plan: tuple[PlanningData, pd.DataFrame, PlanningConfig, SupplyPlan],
) -> None:
    """LP objective = finance's recomputed plan costs = the supply engine's cost lines, the KPIs read the finance
    totals, and COGS is what the plan pays with stock at standard: COGS = product spend + firm receipts at standard
    - the labour of firm production orders (in the wages) + opening stock value - closing stock value (summed
    inventory_cash)."""
    data, demand, config, result = demo_plan
    finance = project(data, demand, result, config)
    total = finance.total()
    assert total["plan_cost"] == pytest.approx(result.solve.objective, rel=1e-7)
    frames = ("production", "purchases", "transfers", "inventory", "service", "capacity", "headcount")
    recomputed = cost_lines(data, config, **{name: getattr(result, name) for name in frames})
    assert recomputed.set_index("line")["value"].drop("revenue").sum() == pytest.approx(total["plan_cost"], rel=1e-9)
    kpis = compute(KpiInputs(data, result, finance)).set_index("kpi")["value"]
    for name in ("revenue", "gross_margin", "margin_pct", "contribution"):
        assert kpis[name] == pytest.approx(total[name], rel=1e-12), name

    spend = ("production", "subcontract", "overtime", "wages", "hiring", "layoffs", "purchases", "transfers")
    periods = set(pd.to_datetime(result.service["period"]))
    firm = data.open_supply.astype({"part_id": str, "site_id": str})
    firm = firm[pd.to_datetime(firm["period"]).isin(periods)]
    items = firm[firm["part_id"].isin(set(data.items["item_id"].astype(str)))].rename(columns={"part_id": "item_id"})
    standard = unit_costs(data, items[["item_id", "site_id"]].drop_duplicates())[["item_id", "site_id", "standard"]]
    firm_items = items.merge(standard, on=["item_id", "site_id"])
    firm_parts = firm.merge(component_prices(data), left_on="part_id", right_on="component")
    committed = float((firm_items["quantity"] * firm_items["standard"]).sum())
    committed += float((firm_parts["quantity"] * firm_parts["price"]).sum())
    # less the labour of the firm production orders: the plan pays it in wages, in the month it works on them
    worked = firm_load(data, pd.DatetimeIndex(sorted(periods)))
    worked = worked.merge(labour_rates(data), left_on="resource", right_on="resource_id")
    committed -= float((worked["load"] * worked["rate"]).sum())
    paid = sum(float(total[line]) for line in spend) + committed + float(total["inventory_cash"])
    assert total["cogs"] == pytest.approx(paid, rel=1e-9)
    assert 0.3 < total["margin_pct"] < 0.7


def test_demo_first_month_load_includes_the_firm_orders(
    demo_plan: tuple[PlanningData, pd.DataFrame, PlanningConfig, SupplyPlan],
) -> None:
    """The demo's firm production orders (open_supply, kind production) cover most of the first months' demand:
    they take sum quantity x usage_per_unit hours of their routing's resources in their month, and the plan's
    load is never below them (Lyon's labour pool LYO-MO: 3,441 h of firm work in November; before firm orders
    loaded capacity, the plan showed 72 h of 5,600)."""
    data, _, _, result = demo_plan
    orders = data.open_supply[data.open_supply["kind"] == "production"].astype({"part_id": str, "site_id": str})
    routes = data.routings.astype({"item_id": str, "site_id": str, "resource_id": str})
    hours = orders.merge(routes, left_on=["part_id", "site_id"], right_on=["item_id", "site_id"])
    hours = hours.assign(hours=hours["quantity"] * hours["usage_per_unit"])
    expected = hours.groupby(["resource_id", "period"])["hours"].sum()
    capacity = result.capacity.set_index(["resource_id", "period"])
    firm = capacity["firm_load"]
    assert firm[firm > 0].sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy())
    assert (capacity["load"] >= capacity["firm_load"] - 1e-9).all()
    first = capacity.xs(capacity.index.get_level_values("period").min(), level="period")
    assert first.loc["LYO-MO", "firm_load"] == pytest.approx(3440.8, abs=0.1)
    assert first.loc["LYO-MO", "load"] / first.loc["LYO-MO", "regular"] > 0.6

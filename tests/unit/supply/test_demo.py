"""The demo company's supply plan shows a real peak-season capacity decision, with its explanation."""

from __future__ import annotations

import pandas as pd
import pytest

from opensop import demo
from opensop.config import PlanningConfig
from opensop.schema import PlanningData
from opensop.supply import SolveStatus, objective_value, plan, requirements, rough_cut_capacity


def seasonal_naive_demand(data: PlanningData) -> pd.DataFrame:
    """Next year's demand = the last 12 months of history, a stand-in for the consensus until `demand` lands."""
    history = data.sales_history
    last = history[history["period"] > history["period"].max() - pd.DateOffset(months=12)]
    demand = last.assign(period=last["period"] + pd.DateOffset(years=1))
    demand = demand[["item_id", "region_id", "period", "quantity"]].astype({"item_id": str, "region_id": str})
    demand["quantity"] = demand["quantity"].clip(lower=0.0)
    return demand.assign(sigma=0.25 * demand["quantity"])


def test_demo_plan_has_an_explained_peak_season_capacity_decision() -> None:
    data = PlanningData.from_frames(demo.generate_demo())
    config = PlanningConfig(horizon_months=12)
    result = plan(data, seasonal_naive_demand(data), config)
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

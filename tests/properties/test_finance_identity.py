"""On random small plans, the finance plan-cost lines add up to the supply LP's objective (both objectives)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opensop.config import Objective, PlanningConfig, SupplyConfig
from opensop.finance import project
from opensop.schema import PlanningData
from opensop.supply import plan


@st.composite
def cases(draw: st.DrawFn) -> tuple[PlanningData, pd.DataFrame, PlanningConfig]:
    n_items, months = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    items = [f"I{i}" for i in range(n_items)]
    cost = [draw(st.floats(5, 50)) for _ in items]
    frames = {
        "families": pd.DataFrame({"family_id": ["F"], "category_id": ["C"]}),
        "items": pd.DataFrame(
            {
                "item_id": items,
                "family_id": "F",
                "unit_cost": cost,
                "unit_price": [c * draw(st.floats(1.1, 3.0)) for c in cost],
            }
        ),
        "regions": pd.DataFrame({"region_id": ["R1", "R2"], "priority": [1, 2]}),
        "sites": pd.DataFrame({"site_id": ["P", "W"], "kind": ["plant", "warehouse"]}),
        "sourcing": pd.DataFrame(
            {
                "item_id": items * 2,
                "region_id": ["R1"] * n_items + ["R2"] * n_items,
                "site_id": ["W"] * n_items + ["P"] * n_items,
                "share": 1.0,
            }
        ),
        "lanes": pd.DataFrame({"from_site": ["P"], "to_site": ["W"], "cost_per_unit": [draw(st.floats(0, 3))]}),
        "resources": pd.DataFrame(
            {
                "resource_id": ["M"],
                "site_id": ["P"],
                "kind": ["machine"],
                "regular_capacity": [draw(st.floats(20, 200))],
                "overtime_capacity": [draw(st.floats(0, 40))],
                "overtime_cost": [draw(st.floats(0, 10))],
            }
        ),
        "routings": pd.DataFrame({"item_id": items, "site_id": "P", "resource_id": "M", "usage_per_unit": 1.0}),
        "components": pd.DataFrame({"item_id": items, "component_id": "K", "quantity_per": 1.0}),
        "suppliers": pd.DataFrame(
            {
                "supplier_id": ["S"],
                "part_id": ["K"],
                "lead_time_months": [0],
                "monthly_capacity": [draw(st.floats(10, 300))],
                "unit_cost": [draw(st.floats(1, 5))],
            }
        ),
        "inventory": pd.DataFrame(
            {
                "item_id": [items[0], "K"],
                "site_id": ["W", "P"],
                "on_hand": [draw(st.floats(0, 50)), draw(st.floats(0, 50))],
            }
        ),
    }
    periods = pd.date_range("2025-01-01", periods=months, freq="MS")
    demand = pd.DataFrame(
        [(i, r, p, draw(st.floats(0, 120))) for i in items for r in ("R1", "R2") for p in periods],
        columns=["item_id", "region_id", "period", "quantity"],
    )
    objective = draw(st.sampled_from(list(Objective)))
    config = PlanningConfig(
        horizon_months=months, start_period=date(2025, 1, 1), supply=SupplyConfig(objective=objective)
    )
    return PlanningData.from_frames(frames), demand, config


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow])  # each example solves an LP
@given(cases())
def test_plan_costs_equal_the_objective(case: tuple[PlanningData, pd.DataFrame, PlanningConfig]) -> None:
    data, demand, config = case
    safety = pd.DataFrame(
        {"item_id": pd.Series(dtype=str), "site_id": pd.Series(dtype=str), "safety_stock": pd.Series(dtype=float)}
    )
    supply = plan(data, demand, config, safety_stock=safety)
    assert supply.solve.is_ok
    total = project(data, demand, supply, config).total()
    if config.supply.objective is Objective.MIN_COST:
        expected = total["plan_cost"]
    else:
        expected = total["revenue"] - (total["plan_cost"] - total["lost_sales"])
    assert supply.solve.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    # revenue equals the supply engine's own revenue line, stock value is never negative
    assert total["revenue"] == pytest.approx(float(supply.costs.set_index("line")["value"]["revenue"]), abs=1e-6)
    assert total["inventory_value"] >= -1e-9

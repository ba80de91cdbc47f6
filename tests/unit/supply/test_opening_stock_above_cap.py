"""A plan is never asked to destroy stock: opening stock above a cap keeps the model feasible.

Found by the invariant property test: at family level the family's cap is min_i(max_stock_i / weight_i), here
min(10 / 0.9, unlimited) = 11.1 units, while the family opens with 10 + 100 = 110 units (I2 has no cap).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from opensop.config import PlanningConfig, PlanningLevel
from opensop.schema import PlanningData
from opensop.supply import SolveStatus, plan


@pytest.mark.parametrize("level", [PlanningLevel.ITEM, PlanningLevel.FAMILY])
def test_opening_stock_above_the_cap_stays_feasible(level: PlanningLevel) -> None:
    data = PlanningData.from_frames(
        {
            "families": pd.DataFrame({"family_id": ["F0"], "category_id": ["C"]}),
            "items": pd.DataFrame(
                {
                    "item_id": ["I0", "I2"],
                    "family_id": ["F0", "F0"],
                    "unit_price": [20.0, 20.0],
                    "unit_cost": [10.0, 10.0],
                    "max_stock": [5.0, np.nan],  # I0 opens above its own cap too (10 > 5)
                }
            ),
            "regions": pd.DataFrame({"region_id": ["R0"]}),
            "sites": pd.DataFrame({"site_id": ["S0"], "kind": ["plant"]}),
            "resources": pd.DataFrame(
                {"resource_id": ["M0"], "site_id": ["S0"], "kind": ["machine"], "regular_capacity": [100.0]}
            ),
            "routings": pd.DataFrame(
                {"item_id": ["I0", "I2"], "site_id": ["S0", "S0"], "resource_id": ["M0", "M0"], "usage_per_unit": 1.0}
            ),
            "inventory": pd.DataFrame({"item_id": ["I0", "I2"], "site_id": ["S0", "S0"], "on_hand": [10.0, 100.0]}),
            "policies": pd.DataFrame(
                {
                    "abc_class": ["B"],
                    "service_level": [0.9],
                    "holding_cost_rate": [0.25],
                    "backlog_cost_rate": [0.02],
                    "lost_sales_rate": [0.5],
                    "max_backlog_months": [1],
                }
            ),
        }
    )
    periods = pd.date_range("2025-01-01", periods=2, freq="MS")
    demand = pd.DataFrame(
        {
            "item_id": ["I0", "I0", "I2", "I2"],
            "region_id": "R0",
            "period": [*periods, *periods],
            "quantity": [9.0, 9.0, 1.0, 1.0],  # I0 carries 90 % of the family's demand
        }
    )
    config = PlanningConfig(horizon_months=2)
    config = replace(config, supply=replace(config.supply, planning_level=level))
    result = plan(data, demand, config)
    assert result.solve.status is SolveStatus.OPTIMAL, result.solve
    served = result.service["served"].sum()
    assert served == pytest.approx(20.0)  # all demand served from the opening stock, nothing lost

"""A tiny planning case whose optimum and every financial line are checked by hand.

Item A of family F (list price 100, 110 in region R from 2025-02; standard material 30 + conversion 20 = 50) is
made at plant P on machine M: 100 h regular + 20 h overtime at 5 EUR/h a month, 1 h per unit. Holding is
0.24 / 12 x 50 = 1 EUR per unit-month. Demand 80 in January, 130 in February.

Optimum: make 100 in January (20 to stock: holding 20) and 110 in February (10 h overtime: 50), because building
ahead (1 per unit) is cheaper than overtime (5 per unit). Plan cost = 210 x 50 + 50 + 20 = 10 570.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from opensop.config import PlanningConfig, SupplyConfig
from opensop.schema import PlanningData

MONTHS = pd.date_range("2025-01-01", periods=2, freq="MS")


def tiny_data(**tables: dict[str, list[object]]) -> PlanningData:
    frames: dict[str, pd.DataFrame] = {
        "families": pd.DataFrame({"family_id": ["F"], "category_id": ["C"]}),
        "items": pd.DataFrame({"item_id": ["A"], "family_id": ["F"], "unit_price": [100.0], "unit_cost": [50.0]}),
        "regions": pd.DataFrame({"region_id": ["R"]}),
        "sites": pd.DataFrame({"site_id": ["P"], "kind": ["plant"]}),
        "resources": pd.DataFrame(
            {
                "resource_id": ["M"],
                "site_id": ["P"],
                "kind": ["machine"],
                "regular_capacity": [100.0],
                "overtime_capacity": [20.0],
                "overtime_cost": [5.0],
            }
        ),
        "routings": pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "resource_id": ["M"], "usage_per_unit": [1.0]}),
        "costs": pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "material": [30.0], "conversion": [20.0]}),
        "prices": pd.DataFrame({"item_id": ["A"], "region_id": ["R"], "period_from": ["2025-02-01"], "price": [110.0]}),
        "budget": pd.DataFrame(
            {
                "family_id": ["F", "F"],
                "region_id": ["R", "R"],
                "period": MONTHS,
                "quantity": [100.0, 100.0],
                "revenue": [9000.0, 11000.0],
            }
        ),
        "policies": pd.DataFrame(
            {
                "abc_class": ["B"],
                "service_level": [0.95],
                "holding_cost_rate": [0.24],
                "backlog_cost_rate": [0.05],
                "lost_sales_rate": [1.0],
                "max_backlog_months": [1],
            }
        ),
    }
    frames.update({name: pd.DataFrame(rows) for name, rows in tables.items()})
    return PlanningData.from_frames(frames)


def tiny_demand(*quantities: float) -> pd.DataFrame:
    periods = pd.date_range("2025-01-01", periods=len(quantities), freq="MS")
    return pd.DataFrame({"item_id": "A", "region_id": "R", "period": periods, "quantity": list(quantities)})


def tiny_config(months: int = 2, **supply: object) -> PlanningConfig:
    return PlanningConfig(horizon_months=months, start_period=date(2025, 1, 1), supply=SupplyConfig(**supply))  # type: ignore[arg-type]


NO_SAFETY = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [0.0]})


@pytest.fixture
def tiny() -> tuple[PlanningData, pd.DataFrame, PlanningConfig]:
    return tiny_data(), tiny_demand(80.0, 130.0), tiny_config()

"""Small hand-made planning datasets for the supply engine tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from opensop.config import PlanningConfig, SupplyConfig
from opensop.schema import PlanningData

POLICY = {
    "abc_class": ["B"],
    "service_level": [0.95],
    "holding_cost_rate": [0.24],
    "backlog_cost_rate": [0.05],
    "lost_sales_rate": [1.0],
    "max_backlog_months": [1],
}


def one_plant(**tables: Any) -> PlanningData:
    """Item A (price 100, cost 50) made at plant P on machine M (100 h/month, 20 h overtime at 5/h)."""
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
        "policies": pd.DataFrame(POLICY),
    }
    frames.update({name: pd.DataFrame(rows) for name, rows in tables.items()})
    return PlanningData.from_frames(frames)


def demand_of(*quantities: float, item: str = "A", region: str = "R") -> pd.DataFrame:
    periods = pd.date_range("2025-01-01", periods=len(quantities), freq="MS")
    return pd.DataFrame({"item_id": item, "region_id": region, "period": periods, "quantity": list(quantities)})


def config_for(months: int, **supply: Any) -> PlanningConfig:
    return PlanningConfig(horizon_months=months, start_period=date(2025, 1, 1), supply=SupplyConfig(**supply))

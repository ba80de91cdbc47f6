"""Issue 18.1: an item without a routing must not get free unlimited capacity at a plant whose resources are
modelled. Before: with machine M at 0 hours, item B (costed at P, no routing) was still made and fully served."""

from __future__ import annotations

import pandas as pd
import pytest

from opensop.config import PlanningLevel
from opensop.supply import plan
from tests.unit.supply.conftest import config_for, demand_of, one_plant

NO_SAFETY = pd.DataFrame({"item_id": ["A", "B"], "site_id": ["P", "P"], "safety_stock": [0.0, 0.0]})


def _zero_capacity_with_unrouted_item() -> object:
    return one_plant(
        items={
            "item_id": ["A", "B"],
            "family_id": ["F", "F"],
            "unit_price": [100.0, 100.0],
            "unit_cost": [50.0, 50.0],
        },
        resources={
            "resource_id": ["M"],
            "site_id": ["P"],
            "kind": ["machine"],
            "regular_capacity": [0.0],
            "overtime_capacity": [0.0],
            "overtime_cost": [5.0],
        },
        costs={"item_id": ["A", "B"], "site_id": ["P", "P"], "material": [30.0, 30.0], "conversion": [20.0, 20.0]},
    )


def _made(result: object, item: str) -> float:
    measures = result.measures  # type: ignore[attr-defined]
    production = measures[measures["measure"].str.startswith("production") & (measures["item_id"] == item)]
    return float(production["value"].sum())


@pytest.mark.parametrize("level", [PlanningLevel.ITEM, PlanningLevel.FAMILY])
def test_no_capacity_is_invented_for_an_item_without_routing(level: PlanningLevel) -> None:
    data = _zero_capacity_with_unrouted_item()
    demand = pd.concat([demand_of(10.0, 10.0), demand_of(10.0, 10.0, item="B")])
    result = plan(data, demand, config_for(2, planning_level=level), safety_stock=NO_SAFETY)  # type: ignore[arg-type]
    assert result.solve.is_ok
    assert _made(result, "A") == pytest.approx(0.0)
    assert _made(result, "B") == pytest.approx(0.0)
    served = result.measures[(result.measures["measure"] == "served") & (result.measures["item_id"] == "B")]
    assert served["value"].sum() == pytest.approx(0.0)


def test_a_plant_without_modelled_resources_stays_uncapacitated() -> None:
    """The documented interpretation kept: no `resources` row at a plant means its capacity is not modelled."""
    data = one_plant(
        resources={
            "resource_id": pd.Series([], dtype=object),
            "site_id": pd.Series([], dtype=object),
            "kind": pd.Series([], dtype=object),
            "regular_capacity": pd.Series([], dtype=float),
        },
        routings={
            "item_id": pd.Series([], dtype=object),
            "site_id": pd.Series([], dtype=object),
            "resource_id": pd.Series([], dtype=object),
            "usage_per_unit": pd.Series([], dtype=float),
        },
        costs={"item_id": ["A"], "site_id": ["P"], "material": [30.0], "conversion": [20.0]},
    )
    result = plan(data, demand_of(10.0), config_for(1), safety_stock=NO_SAFETY.iloc[:1])
    assert result.solve.is_ok
    assert _made(result, "A") == pytest.approx(10.0)

"""The supply plan on tiny hand-checked models: objectives, levels, decomposition, typed failures."""

from __future__ import annotations

import pandas as pd
import pytest

from opensop.config import EndInventory, Objective, PlanningLevel
from opensop.errors import OpenSOPError
from opensop.supply import SolveStatus, objective_value, plan
from opensop.supply.planner import MEASURE_COLUMNS
from tests.unit.supply.conftest import config_for, demand_of, one_plant

NO_SAFETY = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [0.0]})


def test_max_margin_objective_is_revenue_minus_costs() -> None:
    # 80 + 80 units fit regular capacity: margin = 160 x (100 - 50) = 8000
    config = config_for(2, objective=Objective.MAX_MARGIN)
    result = plan(one_plant(), demand_of(80.0, 80.0), config, safety_stock=NO_SAFETY)
    assert result.solve.objective == pytest.approx(8000.0)
    assert objective_value(result.costs, Objective.MAX_MARGIN) == pytest.approx(8000.0)


def test_infeasible_input_gives_a_typed_result_naming_the_conflict() -> None:
    # 500 units on hand, nobody buys them, but the site stores at most 100: no plan exists
    data = one_plant(
        sites={"site_id": ["P"], "kind": ["plant"], "storage_capacity": [100.0]},
        inventory={"item_id": ["A"], "site_id": ["P"], "on_hand": [500.0]},
    )
    result = plan(data, demand_of(0.0, 0.0), config_for(2), safety_stock=NO_SAFETY)
    assert result.solve.status is SolveStatus.INFEASIBLE
    assert not result.solve.is_ok
    assert any("storage" in name or "inventory" in name for name in result.solve.conflicts)
    assert result.production.empty


def test_demand_without_a_quantity_column_is_a_clear_error() -> None:
    with pytest.raises(OpenSOPError, match="quantity"):
        plan(one_plant(), demand_of(1.0).drop(columns="quantity"), config_for(1))


def test_demand_no_site_serves_is_a_warning() -> None:
    demand = pd.concat([demand_of(10.0), demand_of(5.0, item="A", region="NOWHERE")])
    data = one_plant(regions={"region_id": ["R", "NOWHERE"]})
    sourcing = data.sourcing
    assert sourcing.empty
    result = plan(data, demand, config_for(1), safety_stock=NO_SAFETY)
    assert result.solve.is_ok
    assert result.warnings == ()  # the plant makes A, so it serves every region


def test_item_with_no_plant_is_warned_and_left_out() -> None:
    data = one_plant(
        items={"item_id": ["A", "Z"], "family_id": ["F", "F"], "unit_price": [100.0, 10.0], "unit_cost": [50.0, 5.0]}
    )
    demand = pd.concat([demand_of(10.0), demand_of(5.0, item="Z")])
    result = plan(data, demand, config_for(1), safety_stock=NO_SAFETY)
    assert result.solve.is_ok
    assert result.warnings == ("no site serves Z x R: its demand is left out of the plan",)


def test_no_backlog_means_lost_sales() -> None:
    # 150 demand, 120 capacity (with overtime) -> 30 short; backlog off -> 30 lost in month 1
    config = config_for(2, allow_backlog=False)
    result = plan(one_plant(), demand_of(150.0, 0.0), config, safety_stock=NO_SAFETY)
    assert result.service["lost"].sum() == pytest.approx(30.0)
    assert result.service["backlog"].sum() == pytest.approx(0.0)


def test_higher_priority_region_is_served_first() -> None:
    # capacity 120 for 200 units demanded across two regions at the same price: priority 1 region is full
    data = one_plant(regions={"region_id": ["R", "S"], "priority": [2, 1]})
    demand = pd.concat([demand_of(100.0), demand_of(100.0, region="S")])
    result = plan(data, demand, config_for(1), safety_stock=NO_SAFETY)
    served = result.service.set_index("region_id")["served"]
    assert served["S"] == pytest.approx(100.0)
    assert served["R"] == pytest.approx(20.0)


def test_safety_stock_is_held_when_the_penalty_exceeds_holding() -> None:
    # SS 30; penalty 0.02 x 100 = 2 per unit-month > holding 1: stock 30 at the end of month 1 (it serves month 2).
    # Without an end-of-horizon rule the 30 units would cost 50 each to make in month 2 for a penalty of 2: not held
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [30.0]})
    bare = plan(one_plant(), demand_of(50.0, 50.0), config_for(2, end_inventory=EndInventory.NONE), safety_stock=safety)
    items = bare.inventory[bare.inventory["kind"] == "item"]
    assert items["quantity"].tolist() == pytest.approx([30.0, 0.0])
    assert items["below_safety_stock"].tolist() == pytest.approx([0.0, 30.0])
    # the default values the end stock: a unit short in the last month costs 2 + its standard 50 = 52, more than
    # making it (50) and holding it a month (1): the plan ends with its safety stock and pays no end_stock line
    valued = plan(one_plant(), demand_of(50.0, 50.0), config_for(2), safety_stock=safety)
    items = valued.inventory[valued.inventory["kind"] == "item"]
    assert items["quantity"].tolist() == pytest.approx([30.0, 30.0])
    costs = valued.costs.set_index("line")["value"]
    assert costs["end_stock"] == pytest.approx(0.0)
    assert costs["production"] == pytest.approx(130 * 50.0)  # 50 + 50 sold + 30 kept
    # a hard end target at the safety stock holds it too
    config = config_for(2, end_inventory=EndInventory.SAFETY_STOCK)
    held = plan(one_plant(), demand_of(50.0, 50.0), config, safety_stock=safety).inventory
    assert held[held["kind"] == "item"]["quantity"].tolist() == pytest.approx([30.0, 30.0])


def test_valued_end_stock_is_left_short_when_it_costs_more_than_it_is_worth() -> None:
    # subcontracting is the only way to make the last month's safety stock (regular 100 + overtime 20 are all used
    # by demand 120 in each month) and costs 130, more than the unit is worth (price 100 + penalty 2): the plan
    # ends 30 short and pays end_stock 30 x 100 = 3000
    standard = {"item_id": ["A"], "site_id": ["P"], "material": [30.0], "conversion": [20.0]}
    data = one_plant(costs={**standard, "subcontract_cost": [130.0]})
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [30.0]})
    result = plan(data, demand_of(120.0, 120.0), config_for(2), safety_stock=safety)
    items = result.inventory[result.inventory["kind"] == "item"]
    assert items["below_safety_stock"].tolist() == pytest.approx([30.0, 30.0])
    costs = result.costs.set_index("line")["value"]
    assert costs["end_stock"] == pytest.approx(30 * 100.0)
    assert costs["subcontract"] == pytest.approx(0.0)
    # at 70 a unit, subcontracting the safety stock is worth it: 30 units, no end_stock penalty
    cheaper = one_plant(costs={**standard, "subcontract_cost": [70.0]})
    built = plan(cheaper, demand_of(120.0, 120.0), config_for(2), safety_stock=safety).costs.set_index("line")["value"]
    assert built["end_stock"] == pytest.approx(0.0)
    assert built["subcontract"] == pytest.approx(30 * 70.0)


def test_end_inventory_target_opening_stock() -> None:
    data = one_plant(inventory={"item_id": ["A"], "site_id": ["P"], "on_hand": [40.0]})
    config = config_for(2, end_inventory=EndInventory.OPENING)
    result = plan(data, demand_of(50.0, 50.0), config, safety_stock=NO_SAFETY)
    last = result.inventory[result.inventory["period"] == pd.Timestamp("2025-02-01")]
    assert last["quantity"].iloc[0] == pytest.approx(40.0)


def test_subcontracting_relieves_capacity() -> None:
    # 150 demand vs 120 in-house: 30 subcontracted at 70 (cheaper than losing at 200)
    data = one_plant(
        costs={
            "item_id": ["A"],
            "site_id": ["P"],
            "material": [30.0],
            "conversion": [20.0],
            "subcontract_cost": [70.0],
            "subcontract_capacity": [50.0],
        },
    )
    result = plan(data, demand_of(150.0), config_for(1), safety_stock=NO_SAFETY)
    assert result.production["subcontract"].sum() == pytest.approx(30.0)
    # 120 x 50 + 20 x 5 overtime + 30 x 70 = 6000 + 100 + 2100
    assert result.solve.objective == pytest.approx(8200.0)


def two_items(**tables: object) -> object:
    return one_plant(
        items={"item_id": ["A", "B"], "family_id": ["F", "F"], "unit_price": [100.0, 100.0], "unit_cost": [50.0, 50.0]},
        routings={
            "item_id": ["A", "B"],
            "site_id": ["P", "P"],
            "resource_id": ["M", "M"],
            "usage_per_unit": [1.0, 1.0],
        },
        **tables,
    )


def test_family_level_matches_item_level_for_identical_items_and_splits_pro_rata() -> None:
    data = two_items()
    demand = pd.concat([demand_of(60.0, 30.0, 90.0), demand_of(20.0, 90.0, 50.0, item="B")])
    safety = pd.DataFrame({"item_id": ["A", "B"], "site_id": ["P", "P"], "safety_stock": [0.0, 0.0]})
    by_item = plan(data, demand, config_for(3), safety_stock=safety)  # type: ignore[arg-type]
    by_family = plan(data, demand, config_for(3, planning_level=PlanningLevel.FAMILY), safety_stock=safety)  # type: ignore[arg-type]
    assert by_family.solve.objective == pytest.approx(by_item.solve.objective)
    assert objective_value(by_family.costs, Objective.MIN_COST) == pytest.approx(by_family.solve.objective)
    # the item split: A has 180 of the family's 340 units of horizon demand
    made = by_family.production.groupby("item_id")[["regular", "overtime"]].sum().sum(axis=1)
    assert made["A"] / made.sum() == pytest.approx(180.0 / 340.0)
    assert by_family.service.groupby("item_id")["demand"].sum().to_dict() == pytest.approx({"A": 180.0, "B": 160.0})


def test_independent_sites_are_solved_separately_with_the_same_optimum() -> None:
    data = one_plant(
        sites={"site_id": ["P", "Q"], "kind": ["plant", "plant"]},
        resources={
            "resource_id": ["M", "N"],
            "site_id": ["P", "Q"],
            "kind": ["machine", "machine"],
            "regular_capacity": [100.0, 60.0],
            "overtime_capacity": [20.0, 0.0],
            "overtime_cost": [5.0, 0.0],
        },
        items={"item_id": ["A", "B"], "family_id": ["F", "F"], "unit_price": [100.0, 80.0], "unit_cost": [50.0, 40.0]},
        routings={
            "item_id": ["A", "B"],
            "site_id": ["P", "Q"],
            "resource_id": ["M", "N"],
            "usage_per_unit": [1.0, 1.0],
        },
    )
    demand = pd.concat([demand_of(90.0, 130.0), demand_of(70.0, 40.0, item="B")])
    safety = pd.DataFrame({"item_id": ["A", "B"], "site_id": ["P", "Q"], "safety_stock": [0.0, 0.0]})
    split = plan(data, demand, config_for(2), safety_stock=safety)
    whole = plan(data, demand, config_for(2, decompose=False), safety_stock=safety)
    assert split.timings.groups == 2
    assert whole.timings.groups == 1
    assert split.solve.objective == pytest.approx(whole.solve.objective)


def test_measures_long_frame() -> None:
    result = plan(one_plant(), demand_of(80.0, 150.0), config_for(2), safety_stock=NO_SAFETY)
    assert list(result.measures.columns) == MEASURE_COLUMNS
    served = result.measures[result.measures["measure"] == "served"]["value"].sum()
    assert served == pytest.approx(result.service["served"].sum())
    assert {"production_overtime", "capacity_shadow_price", "backlog"} <= set(result.measures["measure"])


def test_no_build_earlier_relief_through_a_month_at_max_stock() -> None:
    """Demand 0, 0, 200; M gives 120 units a month (100 h + 20 h overtime), A's max_stock is 30. The plan builds
    the 30 it may hold in February, makes 120 in March and is 50 short. January and February have spare hours on
    M, but February ends at max_stock: a unit built in either would have to be held through it. The relief is not
    "build earlier" (it was: in 2025-02, 1 EUR of holding), but more capacity."""
    items = {"item_id": ["A"], "family_id": ["F"], "unit_price": [100.0], "unit_cost": [50.0], "max_stock": [30.0]}
    result = plan(one_plant(items=items), demand_of(0.0, 0.0, 200.0), config_for(3))
    stock = result.inventory[result.inventory["kind"] == "item"].set_index("period")["quantity"]
    assert stock.loc["2025-02-01"] == pytest.approx(30.0)
    march = result.shortfalls[result.shortfalls["period"] == pd.Timestamp("2025-03-01")]
    assert float(march["quantity"].sum()) == pytest.approx(50.0)
    assert march["binding"].tolist() == ["resource M"]
    assert not march["relief"].str.startswith("build earlier").any(), march["relief"].tolist()
    assert march["relief"].tolist() == ["add capacity on the binding constraint"]

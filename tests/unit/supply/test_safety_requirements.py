"""Safety stock formulas, requirements netting and rough-cut capacity on hand-checked numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from opensop.config import SafetyStockMethod
from opensop.supply import requirements, rough_cut_capacity, safety_stock
from opensop.supply.safety import fill_rate_factor, loss_function
from tests.unit.supply.conftest import config_for, demand_of, one_plant


def test_cycle_service_safety_stock_is_z_sigma_sqrt_lead_time() -> None:
    # sigma 10 per month, service level 0.95 (class B), made on site: L = 1 -> SS = 1.6449 * 10 * 1 = 16.449
    demand = demand_of(100.0, 100.0).assign(sigma=10.0)
    table = safety_stock(one_plant(), demand)
    assert table["safety_stock"].iloc[0] == pytest.approx(norm.ppf(0.95) * 10.0)


def test_interval_width_gives_sigma() -> None:
    # hi - lo = 2 * 1.96 * 5 -> sigma 5
    demand = demand_of(100.0).assign(lo_95=100.0 - 1.959963984540054 * 5, hi_95=100.0 + 1.959963984540054 * 5)
    assert safety_stock(one_plant(), demand)["sigma"].iloc[0] == pytest.approx(5.0)


def test_warehouse_lead_time_adds_the_lane() -> None:
    # W is served from P over a 2-month lane: L = 1 + 2 = 3 -> SS = z * 10 * sqrt(3)
    data = one_plant(
        sites={"site_id": ["P", "W"], "kind": ["plant", "warehouse"]},
        sourcing={"item_id": ["A"], "region_id": ["R"], "site_id": ["W"], "share": [1.0]},
        lanes={"from_site": ["P"], "to_site": ["W"], "cost_per_unit": [1.0], "lead_time_months": [2]},
    )
    table = safety_stock(data, demand_of(100.0).assign(sigma=10.0))
    row = table[table["site_id"] == "W"].iloc[0]
    assert row["lead_time_months"] == 3.0
    assert row["safety_stock"] == pytest.approx(norm.ppf(0.95) * 10.0 * np.sqrt(3.0))


def test_loss_function_known_values() -> None:
    # G(0) = phi(0) = 0.398942; G(1) = 0.241971 - 0.158655 = 0.083316
    assert loss_function(np.array([0.0, 1.0])) == pytest.approx([0.398942, 0.083316], abs=1e-6)


@given(st.floats(min_value=1e-4, max_value=0.39))
def test_fill_rate_factor_inverts_the_loss_function(target: float) -> None:
    k = fill_rate_factor(np.array([target]))
    assert loss_function(k)[0] == pytest.approx(target, rel=1e-6)


def test_fill_rate_safety_stock() -> None:
    # mu 100, sigma 40, beta 0.95: G(k) = 0.05 * 100 / 40 = 0.125.
    # G(0.78) = phi(0.78) - 0.78 * (1 - Phi(0.78)) = 0.29431 - 0.78 * 0.21770 = 0.12450 (just below 0.125),
    # G(0.77) = 0.29659 - 0.77 * 0.22065 = 0.12669 -> k = 0.7777 by interpolation -> SS = 0.7777 * 40 = 31.1
    demand = demand_of(100.0).assign(sigma=40.0)
    table = safety_stock(one_plant(), demand, method=SafetyStockMethod.FILL_RATE)
    assert table["factor"].iloc[0] == pytest.approx(0.7777, abs=1e-3)
    assert table["safety_stock"].iloc[0] == pytest.approx(31.1, abs=0.05)


def test_requirements_net_stock_receipts_and_safety_stock() -> None:
    # on hand 50, receipt 20 in Feb, SS 10, gross 30/30/30:
    # PA = 20, 10, -20 ; SS - PA = -10, 0, 30 -> cumulative net 0, 0, 30 -> net 0, 0, 30
    data = one_plant(
        inventory={"item_id": ["A"], "site_id": ["P"], "on_hand": [50.0]},
        open_supply={
            "part_id": ["A"],
            "site_id": ["P"],
            "period": ["2025-02-01"],
            "quantity": [20.0],
            "kind": ["production"],
        },
    )
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [10.0]})
    table = requirements(data, demand_of(30.0, 30.0, 30.0), config_for(3), safety_stock=safety)
    assert table["net"].tolist() == pytest.approx([0.0, 0.0, 30.0])
    assert table["projected"].tolist() == pytest.approx([20.0, 10.0, -20.0])


def test_rough_cut_capacity_overtime_and_overload() -> None:
    # net 90, 110, 150 on M (100 regular, 20 overtime): overtime 0/10/20, overload 0/0/30
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [0.0]})
    config = config_for(3)
    table = requirements(one_plant(), demand_of(90.0, 110.0, 150.0), config, safety_stock=safety)
    load = rough_cut_capacity(one_plant(), table, config)
    assert load["overtime_needed"].tolist() == pytest.approx([0.0, 10.0, 20.0])
    assert load["overload"].tolist() == pytest.approx([0.0, 0.0, 30.0])
    assert load["utilisation"].tolist() == pytest.approx([0.9, 1.1, 1.5])


def test_a_warehouse_requirement_loads_the_plant_that_supplies_it() -> None:
    """Demand served from warehouse W (which makes nothing) reaches plant P's machine, one lane lead time earlier.

    W needs 30, 40, 50 (no stock): P must ship them in months t - 1, so P's dependent requirement is 30 + 40 in
    January (January's 30 is already late: it lands in the first month) and 50 in February; P's own demand is 10 a
    month. RCCP on M: 80, 60, 10 hours. Before the warehouse push, M saw only P's own 10 hours a month.
    """
    data = one_plant(
        sites={"site_id": ["P", "W"], "kind": ["plant", "warehouse"]},
        lanes={"from_site": ["P"], "to_site": ["W"], "cost_per_unit": [1.0], "lead_time_months": [1]},
        sourcing={"item_id": ["A", "A"], "region_id": ["R", "S"], "site_id": ["P", "W"], "share": [1.0, 1.0]},
        regions={"region_id": ["R", "S"]},
    )
    demand = pd.concat([demand_of(10.0, 10.0, 10.0), demand_of(30.0, 40.0, 50.0, region="S")], ignore_index=True)
    config = config_for(3)
    safety = pd.DataFrame({"item_id": ["A", "A"], "site_id": ["P", "W"], "safety_stock": [0.0, 0.0]})
    table = requirements(data, demand, config, safety_stock=safety)
    plant = table[table["site_id"] == "P"]
    assert plant["dependent"].tolist() == pytest.approx([70.0, 50.0, 0.0])
    assert plant["net"].tolist() == pytest.approx([80.0, 60.0, 10.0])
    assert table.loc[table["site_id"] == "W", "net"].tolist() == pytest.approx([30.0, 40.0, 50.0])
    load = rough_cut_capacity(data, table, config)
    assert load["load"].tolist() == pytest.approx([80.0, 60.0, 10.0])


def test_calendar_override_and_labour_capacity() -> None:
    # August shutdown halves M; labour pool: 10 workers x 150 h = 1500 h regular, 10 x 10 h overtime
    data = one_plant(
        resources={
            "resource_id": ["M", "L"],
            "site_id": ["P", "P"],
            "kind": ["machine", "labour"],
            "regular_capacity": [100.0, 1500.0],
            "overtime_capacity": [20.0, 0.0],
            "overtime_cost": [5.0, 30.0],
        },
        resource_calendar={"resource_id": ["M"], "period": ["2025-02-01"], "regular": [50.0]},
        workforce={
            "site_id": ["P"],
            "resource_id": ["L"],
            "headcount": [10.0],
            "hours_per_worker": [150.0],
            "max_overtime_per_worker": [10.0],
        },
    )
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [0.0]})
    config = config_for(2)
    load = rough_cut_capacity(data, requirements(data, demand_of(10.0, 10.0), config, safety_stock=safety), config)
    machine = load[load["resource_id"] == "M"]
    labour = load[load["resource_id"] == "L"]
    assert machine["regular"].tolist() == [100.0, 50.0]
    assert labour["regular"].tolist() == [1500.0, 1500.0]
    assert labour["overtime"].tolist() == [100.0, 100.0]

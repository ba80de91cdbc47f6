"""KPIs on the tiny case of tests/unit/finance/conftest.py, by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from opensop.finance import project
from opensop.kpi import CATALOGUE, KpiInputs, catalogue_frame, compute
from opensop.supply import plan
from tests.unit.finance.conftest import NO_SAFETY, tiny_config, tiny_data, tiny_demand


def kpis_of(data: object, demand: pd.DataFrame, config: object, accuracy: pd.DataFrame | None = None) -> pd.Series:
    supply = plan(data, demand, config, safety_stock=NO_SAFETY)  # type: ignore[arg-type]
    finance = project(data, demand, supply, config)  # type: ignore[arg-type]
    frame = compute(KpiInputs(data, supply, finance, accuracy))  # type: ignore[arg-type]
    return frame.set_index("kpi")["value"]


def test_kpis_of_the_tiny_plan() -> None:
    accuracy = pd.DataFrame(
        {
            "level": ["family", "family", "item"],
            "lag": [1, 1, 1],
            "measure": ["consensus", "statistical", "consensus"],
            "wape": [0.2, 0.3, 0.4],
            "bias": [0.05, 0.1, 0.0],
        }
    )
    k = kpis_of(tiny_data(), tiny_demand(80.0, 130.0), tiny_config(), accuracy)
    assert k["fill_rate"] == pytest.approx(1.0)
    assert k["service_level"] == pytest.approx(1.0)
    assert k["utilisation_peak"] == pytest.approx(1.1)  # 110 h on 100 in February
    assert k["utilisation_average"] == pytest.approx(1.05)  # 210 / 200
    assert k["overtime_hours"] == pytest.approx(10.0)
    # mean stock value (1000 + 0) / 2 = 500; standard cost of sales 10500 over 2 x 365/12 days
    assert k["days_of_cover"] == pytest.approx(500.0 / (10500.0 / (2 * 365.0 / 12.0)))
    assert k["inventory_turns"] == pytest.approx((10500.0 * 12 / 2) / 500.0)  # 126 a year
    assert k["revenue_vs_budget"] == pytest.approx(2300.0 / 20000.0)
    assert k["margin_pct"] == pytest.approx(11750.0 / 22300.0)
    assert k["forecast_accuracy"] == pytest.approx(0.8)  # family level, consensus: 1 - 0.2
    assert k["forecast_bias"] == pytest.approx(0.05)
    assert k["excess_value"] == pytest.approx(0.0)
    # stock is 1000 at the end of January and 0 at the end of February, the last month: nothing is left (the KPI
    # took the last month with stock and said 1000)
    assert k["closing_inventory_value"] == pytest.approx(0.0)


def test_shortage_kpis() -> None:
    # 150 asked in one month, 120 can be made, no backlog allowed: 30 lost at price 100
    k = kpis_of(tiny_data(), tiny_demand(150.0), tiny_config(1, allow_backlog=False))
    assert k["fill_rate"] == pytest.approx(0.8)
    assert k["service_level"] == pytest.approx(0.0)
    assert k["lost_sales_units"] == pytest.approx(30.0)
    assert k["lost_sales_value"] == pytest.approx(3000.0)
    assert k["late_value"] == pytest.approx(3000.0)


def test_obsolescence_and_excess() -> None:
    # A is phased out after January with 100 units on hand; 10 sold in January: 90 x 50 left when sales stop
    data = tiny_data(
        items={
            "item_id": ["A"],
            "family_id": ["F"],
            "unit_price": [100.0],
            "unit_cost": [50.0],
            "lifecycle": ["phase_out"],
            "end_period": ["2025-01-01"],
        },
        inventory={"item_id": ["A"], "site_id": ["P"], "on_hand": [100.0]},
    )
    k = kpis_of(data, tiny_demand(10.0, 0.0), tiny_config())
    assert k["obsolescence_value"] == pytest.approx(90 * 50.0)
    # closing stock 90 vs 6 months x mean demand 5 = 30: 60 units x 50 in excess
    assert k["excess_value"] == pytest.approx(60 * 50.0)


def test_accuracy_kpis_are_skipped_without_accuracy_and_registry_is_documented() -> None:
    k = kpis_of(tiny_data(), tiny_demand(80.0, 130.0), tiny_config())
    assert "forecast_accuracy" not in k.index
    registry = catalogue_frame()
    assert len(registry) == len(CATALOGUE)
    assert registry["formula"].str.len().min() > 20
    assert set(registry["better"]) == {"higher", "lower"}
    assert not any(math.isnan(v) for v in k.to_numpy())

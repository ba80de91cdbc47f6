"""The cost convention (data dictionary, `costs`): one meaning of material + conversion for the LP, finance and KPIs.

The worked example of the data dictionary, planned: item A (price 100) takes one component C (supplier S1, 30
EUR), 0.5 h on machine M and 0.5 h of labour pool L (2 workers x 100 h, 2,000 EUR a month each: 20 EUR/h, headcount
fixed). Its costs row is the full standard: material 40 (C 30 + 10 other), conversion 20 (0.5 h M x 20 + 0.5 h L x
20) = 60. Demand 400 in January (L's 200 h exactly), 300 in February (L idle 50 h); nothing can be built ahead
(January's L is full) and lost sales are prohibitive, so the plan makes 400 then 300 and holds nothing.

    LP: make cost 60 - 30 (C, bought on the purchase line) - 10 (L's labour, paid as wages) = 20
        production 700 x 20 = 14,000 + purchases 700 x 30 = 21,000 + wages 2 x 2,000 x 2 = 8,000 = 43,000
        (counting C and L twice, as before the convention, gives 700 x 60 + 21,000 + 8,000 = 71,000)
    P&L: revenue 700 x 100 = 70,000
         standard cost of sales 700 x 60 = 42,000 (material 28,000 + conversion 14,000)
         conversion variance = wages 8,000 - labour absorbed 700 x 0.5 h x 20 = 7,000 -> 1,000 (February's idle 50 h)
         COGS 43,000 = what the plan pays; gross margin 70,000 - 43,000 = 27,000 (38.57 %)
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from opensop.config import PlanningConfig, SupplyConfig
from opensop.finance import project
from opensop.kpi import KpiInputs, compute
from opensop.scenarios import CostChange
from opensop.scenarios.levers import ScenarioInputs, no_investments
from opensop.schema import PlanningData
from opensop.supply import cost_lines, objective_value, plan

SPEND = ("production", "subcontract", "overtime", "wages", "hiring", "layoffs", "purchases", "transfers")


def convention_case() -> tuple[PlanningData, pd.DataFrame, PlanningConfig]:
    frames = {
        "families": pd.DataFrame({"family_id": ["F"], "category_id": ["C"]}),
        "items": pd.DataFrame({"item_id": ["A"], "family_id": ["F"], "unit_price": [100.0], "unit_cost": [60.0]}),
        "regions": pd.DataFrame({"region_id": ["R"]}),
        "sites": pd.DataFrame({"site_id": ["P"], "kind": ["plant"]}),
        "resources": pd.DataFrame(
            {
                "resource_id": ["M", "L"],
                "site_id": ["P", "P"],
                "kind": ["machine", "labour"],
                "regular_capacity": [500.0, 200.0],
                "overtime_capacity": [0.0, 0.0],
                "overtime_cost": [0.0, 0.0],
            }
        ),
        "routings": pd.DataFrame(
            {"item_id": ["A", "A"], "site_id": ["P", "P"], "resource_id": ["M", "L"], "usage_per_unit": [0.5, 0.5]}
        ),
        "components": pd.DataFrame({"item_id": ["A"], "component_id": ["C"], "quantity_per": [1.0]}),
        "suppliers": pd.DataFrame(
            {"supplier_id": ["S1"], "part_id": ["C"], "lead_time_months": [0], "unit_cost": [30.0]}
        ),
        "workforce": pd.DataFrame(
            {
                "site_id": ["P"],
                "resource_id": ["L"],
                "headcount": [2.0],
                "hours_per_worker": [100.0],
                "max_overtime_per_worker": [0.0],
                "wage_per_worker": [2000.0],
                "min_headcount": [2.0],
                "max_headcount": [2.0],
            }
        ),
        "costs": pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "material": [40.0], "conversion": [20.0]}),
        "policies": pd.DataFrame(
            {
                "abc_class": ["B"],
                "service_level": [0.95],
                "holding_cost_rate": [0.24],
                "backlog_cost_rate": [0.5],
                "lost_sales_rate": [1.0],
                "max_backlog_months": [1],
            }
        ),
    }
    periods = pd.date_range("2025-01-01", periods=2, freq="MS")
    demand = pd.DataFrame({"item_id": "A", "region_id": "R", "period": periods, "quantity": [400.0, 300.0]})
    config = PlanningConfig(horizon_months=2, start_period=date(2025, 1, 1), supply=SupplyConfig())
    return PlanningData.from_frames(frames), demand, config


def test_lp_objective_finance_and_kpis_agree_on_the_hand_computed_margin() -> None:
    data, demand, config = convention_case()
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [0.0]})
    supply = plan(data, demand, config, safety_stock=safety)
    assert supply.solve.is_ok
    assert supply.solve.objective == pytest.approx(43_000.0)  # 71,000 with C and L counted twice
    lines = supply.costs.set_index("line")["value"]
    assert (lines["production"], lines["purchases"], lines["wages"]) == pytest.approx((14_000.0, 21_000.0, 8_000.0))
    assert objective_value(supply.costs, config.supply.objective) == pytest.approx(43_000.0)

    finance = project(data, demand, supply, config)
    total = finance.total()
    assert total["plan_cost"] == pytest.approx(supply.solve.objective)
    assert (total["cogs_material"], total["cogs_conversion"]) == pytest.approx((28_000.0, 14_000.0))
    assert total["conversion_variance"] == pytest.approx(1_000.0)  # February's 50 idle hours x 20
    assert total["cogs"] == pytest.approx(43_000.0)  # what the plan pays: nothing is stocked, nothing was firm
    assert total["cogs"] == pytest.approx(sum(total[line] for line in SPEND) - total["inventory_cash"])
    assert total["gross_margin"] == pytest.approx(27_000.0)
    assert total["inventory_value"] == pytest.approx(0.0)

    kpis = compute(KpiInputs(data, supply, finance)).set_index("kpi")["value"]
    assert kpis["gross_margin"] == pytest.approx(27_000.0)
    assert kpis["margin_pct"] == pytest.approx(27_000.0 / 70_000.0)
    assert kpis["revenue"] == pytest.approx(70_000.0)
    recomputed = cost_lines(
        data,
        config,
        **{
            name: getattr(supply, name)
            for name in ("production", "purchases", "transfers", "inventory", "service", "capacity", "headcount")
        },
    )
    assert recomputed.set_index("line")["value"].drop("revenue").sum() == pytest.approx(43_000.0)


def test_a_standard_below_its_modelled_parts_is_floored_and_shown_as_a_shortfall() -> None:
    """Data contradicting the convention (material 25, conversion 0: below C's 30 and L's 10 a unit) is refused
    by validation; planned anyway, the make cost is floored at max(0, 25 - 30 - 10) = 0, the plan pays C and L once
    (purchases 21,000 + wages 8,000), and the P&L shows what the standard misses: standard_shortfall =
    700 x (0 + 30 + 10 - 25) = 10,500, so COGS = 700 x 25 + 1,000 + 10,500 = 29,000, still what the plan pays."""
    data, demand, config = convention_case()
    costs = data.costs.assign(material=25.0, conversion=0.0)
    data = PlanningData.from_frames({**data.tables(), "costs": costs})
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [0.0]})
    supply = plan(data, demand, config, safety_stock=safety)
    assert supply.solve.objective == pytest.approx(21_000.0 + 8_000.0)  # purchases + wages, no make cost
    total = project(data, demand, supply, config).total()
    assert total["standard_shortfall"] == pytest.approx(700 * 15.0)
    assert total["cogs"] == pytest.approx(29_000.0)  # still what the plan pays


def test_a_supplier_price_rise_is_paid_once_and_reaches_the_standard() -> None:
    """Scenario lever `purchases` +10 %: S1 30 -> 33; the standard includes C, so material 40 -> 43 and the make
    cost stays 63 - 33 - 10 = 20. The plan pays 700 x 3 = 2,100 more (purchases), once; COGS moves by as much."""
    data, demand, config = convention_case()
    inputs = ScenarioInputs(data, demand, config, no_investments())
    raised = CostChange(pct=10.0, target="purchases").apply(inputs)
    assert raised.data.costs["material"].tolist() == pytest.approx([43.0])
    assert raised.data.items["unit_cost"].tolist() == pytest.approx([63.0])
    safety = pd.DataFrame({"item_id": ["A"], "site_id": ["P"], "safety_stock": [0.0]})
    supply = plan(raised.data, demand, config, safety_stock=safety)
    assert supply.solve.objective == pytest.approx(43_000.0 + 2_100.0)
    assert project(raised.data, demand, supply, config).total()["cogs"] == pytest.approx(45_100.0)

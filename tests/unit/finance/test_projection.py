"""Every financial line of the tiny case (tests/unit/finance/conftest.py), checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opensop.config import Objective
from opensop.errors import InfeasiblePlanError
from opensop.finance import FinancialPlan, project, vs_budget, vs_plan
from opensop.supply import cost_lines, objective_value, plan
from tests.unit.finance.conftest import MONTHS, NO_SAFETY, tiny_config, tiny_data, tiny_demand

INVESTMENT = pd.DataFrame({"label": ["press"], "resource_id": ["M"], "period": ["2025-02-01"], "amount": [5000.0]})


@pytest.fixture(scope="module")
def projected() -> FinancialPlan:
    data, demand, config = tiny_data(), tiny_demand(80.0, 130.0), tiny_config()
    supply = plan(data, demand, config, safety_stock=NO_SAFETY)
    return project(data, demand, supply, config, investments=INVESTMENT)


def test_every_total_line(projected: FinancialPlan) -> None:
    total = projected.total()
    expected = {
        "units_demanded": 210.0,
        "units_served": 210.0,
        "units_on_time": 210.0,  # every unit in its month: 80 + 130
        "units_lost": 0.0,
        "demand_revenue": 22300.0,  # 80 x 100 (list price in January) + 130 x 110 (price row from February)
        "revenue": 22300.0,
        "cogs_material": 6300.0,  # 210 sold x 30
        "cogs_conversion": 4200.0,  # 210 sold x 20
        "conversion_variance": 50.0,  # 10 h of overtime x 5 (no labour pool: nothing absorbed)
        "purchase_price_variance": 0.0,
        "subcontract_premium": 0.0,
        "standard_shortfall": 0.0,
        "production": 10500.0,  # 210 made x make cost 50 (the standard: no component, no labour pool)
        "overtime": 50.0,  # 10 h x 5
        "holding": 20.0,  # 20 units x 1 EUR at the end of January
        "wages": 0.0,
        "purchases": 0.0,
        "transfers": 0.0,
        "backlog": 0.0,
        "lost_sales": 0.0,
        "inventory_value": 0.0,  # closing month (February): nothing left
        "inventory_cash": 0.0,  # -1000 in January + 1000 in February
        "investment": 5000.0,
        "cogs": 10550.0,  # 6300 + 4200 + 50 conversion variance (overtime)
        "gross_margin": 11750.0,  # 22300 - 10550
        "margin_pct": 11750.0 / 22300.0,
        "contribution": 11730.0,  # 11750 - 20 holding
        "working_capital": 0.0,
        "cash_flow": 6730.0,  # 11730 + 0 - 5000
        "plan_cost": 10570.0,  # 10500 + 50 + 20
    }
    for line, value in expected.items():
        assert total[line] == pytest.approx(value), line


def test_lines_by_month_and_dimension(projected: FinancialPlan) -> None:
    by_month = projected.summary(["period"]).set_index("period")
    # January: 80 x 100 = 8000 revenue; 20 units x 50 in stock = 1000, paid for with cash (-1000)
    assert by_month.loc[MONTHS[0], "revenue"] == pytest.approx(8000.0)
    assert by_month.loc[MONTHS[0], "inventory_value"] == pytest.approx(1000.0)
    assert by_month.loc[MONTHS[0], "inventory_cash"] == pytest.approx(-1000.0)
    assert by_month.loc[MONTHS[1], "inventory_cash"] == pytest.approx(1000.0)
    assert by_month.loc[MONTHS[1], "investment"] == pytest.approx(5000.0)
    # revenue has no site (the service frame has none); production and investment are at P
    by_site = projected.summary(["site_id"])
    site_p = by_site[by_site["site_id"] == "P"].iloc[0]
    unallocated = by_site[by_site["site_id"].isna()].iloc[0]
    assert site_p["production"] == pytest.approx(10500.0)
    assert site_p["investment"] == pytest.approx(5000.0)
    assert unallocated["revenue"] == pytest.approx(22300.0)
    by_family = projected.summary(["family_id", "region_id"])
    assert by_family.loc[by_family["region_id"] == "R", "revenue"].sum() == pytest.approx(22300.0)


def test_stock_lines_keep_the_closing_month_when_months_are_aggregated(projected: FinancialPlan) -> None:
    # January ends with 1000 in stock, February with 0: the horizon's inventory value is February's, not 1000
    assert projected.summary(["family_id"])["inventory_value"].sum() == pytest.approx(0.0)
    january = projected.lines[projected.lines["period"] == MONTHS[0]]
    assert FinancialPlan(january).total()["inventory_value"] == pytest.approx(1000.0)


def test_plan_costs_equal_the_lp_objective_and_supply_cost_lines() -> None:
    data, demand, config = tiny_data(), tiny_demand(80.0, 130.0), tiny_config()
    supply = plan(data, demand, config, safety_stock=NO_SAFETY)
    mine = project(data, demand, supply, config).plan_costs().set_index("line")["value"]
    theirs = supply.costs.set_index("line")["value"].drop("revenue")
    assert mine.sum() == pytest.approx(10570.0)
    assert mine.sum() == pytest.approx(supply.solve.objective)
    pd.testing.assert_series_equal(mine.sort_index(), theirs.sort_index(), check_names=False)
    assert objective_value(supply.costs, Objective.MIN_COST) == pytest.approx(mine.sum())


def test_max_margin_objective_is_revenue_minus_plan_costs() -> None:
    data, demand = tiny_data(), tiny_demand(80.0, 130.0)
    config = tiny_config(objective=Objective.MAX_MARGIN)
    supply = plan(data, demand, config, safety_stock=NO_SAFETY)
    total = project(data, demand, supply, config).total()
    assert supply.solve.objective == pytest.approx(total["revenue"] - total["plan_cost"] + total["lost_sales"])
    # the min-cost plan earns 22300 - 10570 = 11730; maximising margin, each January unit shipped in February
    # instead earns the February price (+10) for 5 of backlog cost and 1 more month of stock (Jan makes 100 anyway):
    # +4 per unit, on all 80 units: 11730 + 320
    assert supply.solve.objective == pytest.approx(12050.0)
    assert total["backlog"] == pytest.approx(400.0)  # 80 units late at the end of January x 5


def test_subcontract_premium_and_opening_stock_cash() -> None:
    # 170 demanded in one month: 120 in-house (100 + 20 overtime), 10 from stock, 40 subcontracted at 70
    data = tiny_data(
        costs={
            "item_id": ["A"],
            "site_id": ["P"],
            "material": [30.0],
            "conversion": [20.0],
            "subcontract_cost": [70.0],
            "subcontract_capacity": [100.0],
        },
        inventory={"item_id": ["A"], "site_id": ["P"], "on_hand": [10.0]},
    )
    demand, config = tiny_demand(170.0), tiny_config(1)
    supply = plan(data, demand, config, safety_stock=NO_SAFETY)
    total = project(data, demand, supply, config).total()
    assert total["subcontract"] == pytest.approx(2800.0)  # 40 x 70
    assert total["subcontract_premium"] == pytest.approx(800.0)  # 40 x (70 - 50)
    assert total["inventory_cash"] == pytest.approx(500.0)  # opening 10 x 50 released, nothing at month end
    assert total["cogs"] == pytest.approx(170 * 50 + 20 * 5 + 800)


def test_budget_gaps_sign_convention(projected: FinancialPlan) -> None:
    data = tiny_data()
    gaps = vs_budget(projected, data.budget).set_index(["measure", "period"])
    # January revenue 8000 vs 9000: -1000, unfavourable; February 14300 vs 11000: +3300, favourable
    assert gaps.loc[("revenue", MONTHS[0]), "gap"] == pytest.approx(-1000.0)
    assert not gaps.loc[("revenue", MONTHS[0]), "favourable"]
    assert gaps.loc[("revenue", MONTHS[1]), "gap"] == pytest.approx(3300.0)
    assert gaps.loc[("quantity", MONTHS[1]), "gap"] == pytest.approx(30.0)  # 130 served vs 100
    total = vs_budget(projected, data.budget, by=()).set_index("measure")
    assert total.loc["revenue", "gap_pct"] == pytest.approx(2300.0 / 20000.0)


def test_budget_gaps_cover_only_the_months_the_budget_covers(projected: FinancialPlan) -> None:
    """A budget that stops before the plan's horizon (a fiscal year ending) is not a budget of 0 for the months after:
    those plan months are left out, otherwise the total gap would count a whole month of revenue as 'above budget'."""
    budget = tiny_data().budget
    january = budget[pd.to_datetime(budget["period"]) == MONTHS[0]]
    total = vs_budget(projected, january, by=()).set_index("measure")
    assert total.loc["revenue", "plan"] == pytest.approx(8000.0)  # January only, not January + February
    assert total.loc["revenue", "gap"] == pytest.approx(-1000.0)
    assert vs_budget(projected, january.iloc[0:0], by=()).empty  # no budget: no gap rather than plan vs 0


def test_gap_vs_another_plan(projected: FinancialPlan) -> None:
    lines = projected.lines
    # the reference pays no overtime: neither on its plan cost line nor in its conversion variance (which here is
    # exactly the 50 EUR of overtime: no labour pool)
    no_overtime = lines["line"].isin(["overtime", "conversion_variance"])
    cheaper = FinancialPlan(lines.assign(value=np.where(no_overtime, 0.0, lines["value"])))
    gaps = vs_plan(projected, cheaper, lines=["overtime", "gross_margin"]).set_index("line")
    # 50 EUR more overtime than the reference: gap +50, unfavourable; margin gap -50
    assert gaps.loc["overtime", "gap"] == pytest.approx(50.0)
    assert not gaps.loc["overtime", "favourable"]
    assert gaps.loc["gross_margin", "gap"] == pytest.approx(-50.0)


def test_infeasible_plan_cannot_be_projected() -> None:
    data = tiny_data(
        sites={"site_id": ["P"], "kind": ["plant"], "storage_capacity": [5.0]},
        inventory={"item_id": ["A"], "site_id": ["P"], "on_hand": [50.0]},
    )
    demand, config = tiny_demand(0.0), tiny_config(1)
    supply = plan(data, demand, config, safety_stock=NO_SAFETY)
    with pytest.raises(InfeasiblePlanError):
        project(data, demand, supply, config)


def test_demo_objective_equals_recomputed_costs() -> None:
    from opensop.demo import generate_demo
    from opensop.schema import PlanningData

    data = PlanningData.from_frames(generate_demo())
    history = data.sales_history
    last = history["period"].max()
    demand = history[history["period"] > last - pd.DateOffset(months=6)][["item_id", "region_id", "period", "quantity"]]
    demand = demand.assign(period=demand["period"] + pd.DateOffset(months=12), quantity=demand["quantity"].clip(0))
    config = tiny_config(6).__class__(horizon_months=6)
    supply = plan(data, demand, config)
    assert supply.solve.is_ok
    mine = project(data, demand, supply, config).plan_costs()["value"].sum()
    recomputed = cost_lines(
        data,
        config,
        **{
            n: getattr(supply, n)
            for n in ("production", "purchases", "transfers", "inventory", "service", "capacity", "headcount")
        },
    )
    assert mine == pytest.approx(supply.solve.objective, rel=1e-7)
    assert mine == pytest.approx(recomputed.set_index("line")["value"].drop("revenue").sum(), rel=1e-9)

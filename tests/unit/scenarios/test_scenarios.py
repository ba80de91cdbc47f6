"""Levers, scenario JSON and hashes, runs (sequential = parallel, re-run identical), comparison and export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from opensop.config import Objective
from opensop.demo.company import RESOURCE_IDS, SUPPLIERS
from opensop.scenarios import (
    AUTO,
    BASE,
    LEVERS,
    MAX_WORKERS,
    CapacityChange,
    CapacityInvestment,
    CapacityScale,
    CostChange,
    DemandChange,
    DemandRisk,
    EndOfLife,
    LaunchProduct,
    LeadTimeChange,
    PriceChange,
    ResourceOutage,
    Scenario,
    ServiceLevelTarget,
    SetObjective,
    SupplierLoss,
    choose_workers,
    compare,
    gap_analysis,
    run,
    run_many,
    seed_scenarios,
    stack,
    to_csv,
    to_excel,
    usable_cores,
)
from opensop.scenarios.run import POOL_START_SECONDS
from tests.unit.finance.conftest import tiny_config, tiny_data, tiny_demand

ALL_LEVERS = (
    DemandChange(pct=10.0, region_ids=("R",), period_from="2025-02"),
    LaunchProduct(item_id="B", like_item_id="A", launch_period="2025-02", volume_factor=0.5),
    EndOfLife(item_id="A", end_period="2025-01"),
    CapacityChange(resource_id="M", period_from="2025-01", factor=1.5, cost_per_month=100.0),
    CapacityScale(pct=-10.0, resource_ids=("M",)),
    ResourceOutage(resource_id="M", start_period="2025-01", weeks=6.0),
    CapacityInvestment(resource_id="M", start_period="2025-02", added_capacity=50.0, cost=9000.0),
    SupplierLoss(supplier_id="S", part_ids=("K",)),
    LeadTimeChange(supplier_id="S", delta_months=1),
    CostChange(pct=10.0, target="material"),
    PriceChange(pct=5.0, period_from="2025-02"),
    ServiceLevelTarget(service_level=0.99, abc_classes=("A",)),
    SetObjective(objective="max_margin"),
    DemandRisk(column="hi_80"),
)


def prepared(*levers: object) -> object:
    data = tiny_data(suppliers={"supplier_id": ["S"], "part_id": ["K"], "lead_time_months": [1], "unit_cost": [2.0]})
    demand = tiny_demand(80.0, 130.0).assign(hi_80=[100.0, 150.0])
    return Scenario("s", tuple(levers)).prepare(data, demand, tiny_config())  # type: ignore[arg-type]


def test_every_lever_kind_round_trips_through_json() -> None:
    assert {lever.kind for lever in ALL_LEVERS} == set(LEVERS)
    scenario = Scenario("all", ALL_LEVERS, (("supply.allow_backlog", False),), description="d")
    again = Scenario.from_json(scenario.to_json())
    assert again == scenario
    assert again.content_hash() == scenario.content_hash()
    assert Scenario("all", ALL_LEVERS[:2]).content_hash() != scenario.content_hash()


def test_demand_levers() -> None:
    # +10 % from February: 130 -> 143, hi_80 150 -> 165; January untouched
    x = prepared(DemandChange(pct=10.0, period_from="2025-02"))
    assert x.demand["quantity"].tolist() == pytest.approx([80.0, 143.0])  # type: ignore[attr-defined]
    assert x.demand["hi_80"].tolist() == pytest.approx([100.0, 165.0])  # type: ignore[attr-defined]
    # +20 units a month on the scope
    assert prepared(DemandChange(quantity=20.0)).demand["quantity"].tolist() == pytest.approx([100.0, 150.0])  # type: ignore[attr-defined]
    assert prepared(DemandRisk()).demand["quantity"].tolist() == pytest.approx([100.0, 150.0])  # type: ignore[attr-defined]
    ended = prepared(EndOfLife(item_id="A", end_period="2025-01"))
    assert ended.demand["quantity"].tolist() == pytest.approx([80.0, 0.0])  # type: ignore[attr-defined]
    launched = prepared(LaunchProduct(item_id="B", like_item_id="A", launch_period="2025-02", volume_factor=0.5))
    b = launched.demand[launched.demand["item_id"] == "B"]  # type: ignore[attr-defined]
    assert b["quantity"].tolist() == pytest.approx([65.0])  # half of A's February demand
    assert set(launched.data.routings["item_id"]) == {"A", "B"}  # type: ignore[attr-defined]


def test_capacity_levers() -> None:
    # six weeks down from January: January at 0, February keeps 1 - (6 - 52/12) / (52/12) = 0.615...
    out = prepared(ResourceOutage(resource_id="M", start_period="2025-01", weeks=6.0))
    calendar = out.data.resource_calendar.set_index("period")  # type: ignore[attr-defined]
    assert calendar["regular"].tolist() == pytest.approx([0.0, 100.0 * (1 - (6 - 52 / 12) / (52 / 12))])
    invest = prepared(CapacityInvestment(resource_id="M", start_period="2025-02", added_capacity=50.0, cost=9000.0))
    assert invest.data.resource_calendar["regular"].tolist() == pytest.approx([150.0])  # type: ignore[attr-defined]
    assert invest.investments["amount"].tolist() == pytest.approx([9000.0])  # type: ignore[attr-defined]
    shift = prepared(CapacityChange(resource_id="M", period_from="2025-01", factor=1.5, overtime_factor=1.0))
    assert shift.data.resource_calendar["regular"].tolist() == pytest.approx([150.0, 150.0])  # type: ignore[attr-defined]
    assert shift.data.resource_calendar["overtime"].tolist() == pytest.approx([20.0, 20.0])  # type: ignore[attr-defined]


def test_price_cost_supplier_and_policy_levers() -> None:
    priced = prepared(PriceChange(pct=10.0, period_from="2025-02"))
    prices = priced.data.prices  # type: ignore[attr-defined]
    assert prices["price"].tolist() == pytest.approx([121.0])  # February row 110 replaced by 110 x 1.1
    everywhere = prepared(PriceChange(pct=10.0))
    assert everywhere.data.items["unit_price"].tolist() == pytest.approx([110.0])  # type: ignore[attr-defined]
    costed = prepared(CostChange(pct=10.0, target="material"))
    assert costed.data.costs["material"].tolist() == pytest.approx([33.0])  # type: ignore[attr-defined]
    assert costed.data.items["unit_cost"].tolist() == pytest.approx([53.0])  # type: ignore[attr-defined]
    assert prepared(SupplierLoss(supplier_id="S")).data.suppliers.empty  # type: ignore[attr-defined]
    slower = prepared(LeadTimeChange(supplier_id="S", delta_months=2)).data.suppliers  # type: ignore[attr-defined]
    assert slower["lead_time_months"].tolist() == [3]
    targeted = prepared(ServiceLevelTarget(service_level=0.99, abc_classes=("A",)))
    policies = targeted.data.policies  # type: ignore[attr-defined]
    assert policies.set_index("abc_class")["service_level"].to_dict() == pytest.approx(
        {"A": 0.99, "B": 0.95, "C": 0.95}
    )
    assert prepared(SetObjective(objective="max_margin")).config.supply.objective is Objective.MAX_MARGIN  # type: ignore[attr-defined]
    overridden = Scenario("o", config_overrides=(("supply.allow_backlog", False),)).configure(tiny_config())
    assert overridden.supply.allow_backlog is False


def scenarios_for_tiny() -> list[Scenario]:
    return [
        Scenario("Base"),
        Scenario("More demand", (DemandChange(pct=20.0),)),
        Scenario("Outage", (ResourceOutage(resource_id="M", start_period="2025-02", weeks=52 / 12),)),
    ]


@pytest.mark.slow
def test_rerun_gives_the_same_hash_and_parallel_equals_sequential() -> None:
    data, demand, config = tiny_data(), tiny_demand(80.0, 130.0), tiny_config()
    scenarios = scenarios_for_tiny()
    first = run(data, demand, scenarios[1], config)
    again = run(data, demand, scenarios[1], config)
    assert first.content_hash() == again.content_hash()
    sequential = run_many(data, demand, scenarios, config, workers=1)
    parallel = run_many(data, demand, scenarios, config, workers=2)
    automatic = run_many(data, demand, scenarios, config, workers=AUTO)
    assert [r.name for r in parallel] == [s.name for s in scenarios]
    assert [r.content_hash() for r in parallel] == [r.content_hash() for r in sequential]
    assert [r.content_hash() for r in automatic] == [r.content_hash() for r in sequential]
    assert len({r.content_hash() for r in sequential}) == len(scenarios)  # the hash tells the scenarios apart
    assert sequential[1].content_hash() == first.content_hash()
    stacked = stack(sequential)
    assert set(stacked["kpis"]["scenario"]) == {"Base", "More demand", "Outage"}


def test_auto_starts_processes_only_when_they_repay_their_start() -> None:
    # 4 scenarios left on 2 workers finish in the time of 2: the saving is 2 x seconds_each
    assert choose_workers(4, POOL_START_SECONDS / 2 + 0.1, cores=2) == 2
    assert choose_workers(4, POOL_START_SECONDS / 2 - 0.1, cores=2) == 1
    # 3 left take 2 rounds on 2 workers: the saving is 1 x seconds_each
    assert choose_workers(3, POOL_START_SECONDS - 0.1, cores=2) == 1
    assert choose_workers(3, POOL_START_SECONDS + 0.1, cores=2) == 2
    assert choose_workers(50, 60.0, cores=1) == 1
    assert choose_workers(1, 60.0, cores=8) == 1
    assert choose_workers(50, 60.0, cores=8) == MAX_WORKERS
    assert usable_cores() >= 1


def test_comparison_ranking_issues_and_export(tmp_path: Path) -> None:
    data, demand, config = tiny_data(), tiny_demand(80.0, 130.0), tiny_config()
    results = run_many(data, demand, scenarios_for_tiny(), config, workers=1)
    comparison = compare(results, base="Base")
    ranking = comparison.ranking.set_index("scenario")
    # an outage in February (0 h): 130 units cannot be made in time, while +20 % demand adds margin — but both are
    # assumptions: neither is a decision, so nothing is recommended
    assert ranking.loc["Base", "score"] == pytest.approx(0.0)
    assert ranking.loc["More demand", "score"] > 0
    assert ranking.loc["Outage", "score"] < 0
    assert set(ranking["role"]) == {"base", "assumption"}
    assert comparison.recommended == ""
    assert not ranking["recommended"].any()
    kinds = set(comparison.issues[comparison.issues["scenario"] == "Outage"]["kind"])
    assert "shortfall" in kinds
    deltas = comparison.deltas.set_index(["scenario", "kpi"])
    assert deltas.loc[("More demand", "revenue"), "delta"] > 0
    book = to_excel(comparison, tmp_path / "comparison.xlsx")
    sheet = load_workbook(book)["ranking"]
    assert [c.value for c in sheet[1]][:4] == ["rank", "scenario", "role", "reference"]
    assert sheet["A1"].font.bold
    files = to_csv(comparison, tmp_path / "csv")
    assert pd.read_csv(files[0])["scenario"].tolist()[0] == "More demand"
    gaps = gap_analysis(data, demand, results[0])
    # February needs 130 h on 100 regular + 20 overtime: 10 h beyond, and 20 h of overtime
    row = gaps.capacity.set_index("period").loc[pd.Timestamp("2025-02-01")]
    assert row["overload"] == pytest.approx(10.0)
    assert row["overtime_needed"] == pytest.approx(20.0)
    assert "Add capacity on M" in gaps.decisions["decision"].iloc[0]


def test_the_recommendation_picks_a_response_under_the_assumption_not_the_assumption() -> None:
    """Demand +40 % (an assumption) leaves 54 units short of 240 h; an extra shift (a decision answering it, 500 EUR
    a month) serves them; a 10 % price cut (another decision) only loses margin. Recommended: the shift."""
    data, demand, config = tiny_data(), tiny_demand(80.0, 130.0), tiny_config()
    shock = Scenario("Demand +40 %", (DemandChange(pct=40.0),))
    shift = Scenario(
        "Extra shift",
        (CapacityChange(resource_id="M", period_from="2025-01", factor=1.5, cost_per_month=500.0),),
        base="Demand +40 %",
    )
    price = Scenario("Price cut", (PriceChange(pct=-10.0),), base="Demand +40 %")
    results = run_many(data, demand, [Scenario("Base"), shock, shift, price], config, workers=1)
    comparison = compare(results, base="Base")
    ranking = comparison.ranking.set_index("scenario")
    assert ranking.loc["Demand +40 %", "role"] == "assumption"
    assert ranking.loc["Extra shift", ["role", "reference"]].tolist() == ["response", "Demand +40 %"]
    # the shift is planned under the shock: 112 + 182 units demanded, all served
    served = results[2].supply.service["served"].sum()
    assert served == pytest.approx(1.4 * 210.0)
    assert ranking.loc["Extra shift", "score"] > 0 > ranking.loc["Price cut", "score"]
    assert ranking.loc["Extra shift", "investment"] == pytest.approx(2 * 500.0)
    assert comparison.recommended == "Extra shift"
    assert ranking.loc["Demand +40 %", "recommended"] == False  # noqa: E712 (numpy bool)
    assert comparison.recommendations[0].startswith("Under 'Demand +40 %': decide 'Extra shift'")


def test_seed_scenarios_use_real_demo_ids() -> None:
    seeds = seed_scenarios()
    assert [s.name for s in seeds] == [
        "Export +20 % from Q3",
        "Line down 6 weeks",
        "Margin target +2 pts",
        "Supplier S1 lost",
    ]
    assert seed_scenarios(with_base=True)[0] == BASE
    assert seeds[1].levers[0].resource_id in RESOURCE_IDS  # type: ignore[attr-defined]
    assert seeds[3].levers[0].supplier_id in {s.supplier_id for s in SUPPLIERS}  # type: ignore[attr-defined]
    assert seeds[0].levers[0].period_from == "2027-07"  # type: ignore[attr-defined]
    assert all(Scenario.from_dict(s.to_dict()) == s for s in seeds)

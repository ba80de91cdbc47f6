"""The monthly job end to end on the tiny hand-made company: the steps hand their results on correctly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from opensop.config import PlanningConfig
from opensop.cycle.plan_measures import plan_measures
from opensop.cycle.steps import CycleFacts, Output, produced
from opensop.ingest import validate_source
from opensop.pipeline import CycleResult, PipelineStep, run_pipeline
from opensop.schema import PlanningData

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"


@pytest.fixture(scope="module")
def tiny() -> PlanningData:
    result = validate_source(TINY, as_of=date(2024, 11, 15))
    assert result.data is not None
    return result.data


@pytest.fixture(scope="module")
def planned(tiny: PlanningData) -> CycleResult:
    overrides = pd.DataFrame(
        {
            "source": ["sales"],
            "kind": ["absolute"],
            "value": [500.0],
            "period": [pd.Timestamp("2024-12-01")],
            "family_id": ["GRILL"],
            "region_id": ["FR"],
            "author": ["anne"],
            "reason": ["Christmas catalogue"],
        }
    )
    steps: list[str] = []
    result = run_pipeline(
        tiny,
        PlanningConfig(horizon_months=6),
        overrides=overrides,
        progress=lambda step, _done, _total: steps.append(step),
    )
    assert list(dict.fromkeys(steps)) == list(PipelineStep)
    return result


def test_forecast_covers_the_horizon_after_the_last_history_month(planned: CycleResult) -> None:
    periods = sorted(planned.require_forecast().forecast["period"].unique())
    assert periods == list(pd.date_range("2024-11-01", periods=6, freq="MS"))


def test_family_override_holds_exactly_in_the_consensus(planned: CycleResult) -> None:
    plan = planned.require_consensus().plan
    grill_fr = plan[(plan["item_id"].isin(["G1", "G2"])) & (plan["region_id"] == "FR")]
    december = grill_fr[grill_fr["period"] == pd.Timestamp("2024-12-01")]
    assert december["consensus"].sum() == pytest.approx(500.0)
    untouched = plan[(plan["region_id"] == "EXPORT") | (plan["period"] != pd.Timestamp("2024-12-01"))]
    assert (untouched["consensus"] == untouched["statistical"]).all()


def test_supply_plan_serves_the_consensus(planned: CycleResult) -> None:
    supply = planned.supply
    assert supply is not None
    assert supply.solve.is_ok, supply.solve
    demand = planned.supply_demand()
    in_plan = supply.service.groupby(["item_id", "region_id", "period"])["demand"].sum()
    expected = demand.set_index(["item_id", "region_id", "period"])["quantity"]
    joined = expected.to_frame("consensus").join(in_plan.rename("planned"), how="inner")
    assert len(joined) == len(expected)
    assert (joined["consensus"] - joined["planned"]).abs().max() < 1e-6


def test_until_stops_after_the_named_step(tiny: PlanningData) -> None:
    result = run_pipeline(tiny, PlanningConfig(horizon_months=3), until=PipelineStep.FORECAST)
    assert result.forecast is not None
    assert result.consensus is None
    assert result.supply is None


def test_the_cycle_step_rules_find_their_outputs_in_what_the_engine_writes(planned: CycleResult) -> None:
    """The step rules name measures; this holds them to the measures a real plan run stores (the supply review
    once asked for `production`, which the engine never writes, and could never close)."""
    written = frozenset(plan_measures(planned)["measure"])
    facts = CycleFacts(date(2024, 10, 1), date(2024, 10, 1), True, written, False, False, False)
    for output in (Output.CONSENSUS, Output.SUPPLY_PLAN, Output.FINANCIAL_PLAN):
        assert produced(output, facts), output
    consensus_only = plan_measures(replace(planned, supply=None, finance=None))
    facts = replace(facts, live_measures=frozenset(consensus_only["measure"]))
    assert produced(Output.CONSENSUS, facts)
    assert not produced(Output.SUPPLY_PLAN, facts)
    assert not produced(Output.FINANCIAL_PLAN, facts)


def test_a_phase_out_item_gets_no_demand_after_its_end_of_life(tiny: PlanningData) -> None:
    """P2 (phase-out) ends in January 2025: the forecast is 0 after it, and so must be the reconciled forecast and
    the consensus (the family POT's own forecast, made on a history with P2's sales, used to leak into it)."""
    items = tiny.items.copy()
    items.loc[items["item_id"] == "P2", "end_period"] = pd.Timestamp("2025-01-01")
    data = PlanningData.from_frames({**tiny.tables(), "items": items})
    result = run_pipeline(data, PlanningConfig(horizon_months=6), until=PipelineStep.CONSENSUS)
    plan = result.require_consensus().plan
    after = plan[(plan["item_id"] == "P2") & (plan["period"] > pd.Timestamp("2025-01-01"))]
    assert len(after) > 0
    assert float(after["statistical"].abs().sum()) == 0.0
    assert float(after["consensus"].abs().sum()) == 0.0
    assert result.reconciled is not None
    levels = result.reconciled.levels
    items_sum = result.reconciled.items.groupby("period")["forecast"].sum()
    total = levels[levels["level"] == "total"].set_index("period")["forecast"]
    assert total.to_numpy() == pytest.approx(items_sum.reindex(total.index).to_numpy())

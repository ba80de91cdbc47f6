"""Scenarios through the one plan path, on the tiny dataset (SQLite and PostgreSQL): each stored scenario is planned
on the working draft with the draft's kept forecast and overrides, stored as a draft version with its lineage, and
compared; an override on the draft changes the scenario's plan; a bad scenario fails alone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from opensop.cycle.status import OverrideLevel
from opensop.cycle.steps import CONSENSUS_MEASURE
from opensop.demand.consensus import OverrideKind, OverrideSource
from opensop.errors import InvalidRequest
from opensop.scenarios import CapacityChange, CapacityScale, DemandChange, Scenario
from opensop.services import cycles, imports, overrides, plan_runs, plans, runs, scenario_definitions, scenario_runs
from opensop.services.overrides import OverrideCell
from opensop.services.workspace import Workspace
from tests.integration.services.conftest import PLANNER, VIEWER

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
NOVEMBER = date(2024, 11, 1)


def _working_draft(workspace: Workspace) -> int:
    imports.import_dataset(workspace, TINY, actor="steward")
    cycle = cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 10, 1)).cycle
    request = plan_runs.PlanRequest(cycle_id=cycle.id, reason="working draft")
    _, outcome = runs.plan_here(workspace, actor=PLANNER, request=request)
    return int(outcome.summary["plan_version_id"])


def _grill_november(workspace: Workspace, version_id: int) -> float:
    measures = plans.read_content(workspace, actor=VIEWER, version_id=version_id).measures
    chosen = measures[
        (measures["measure"] == CONSENSUS_MEASURE)
        & measures["item_id"].isin(["G1", "G2"])
        & (measures["period"] == NOVEMBER)
    ]
    return float(chosen["value"].sum())


def test_scenarios_are_planned_on_the_draft_with_its_overrides_and_stored(workspace: Workspace) -> None:
    draft_id = _working_draft(workspace)
    cell = OverrideCell(draft_id, OverrideLevel.FAMILY, "", NOVEMBER, family_id="GRILL")
    overrides.set_override(
        workspace, actor=PLANNER, cell=cell, value=777.0, kind=OverrideKind.ABSOLUTE,
        source=OverrideSource.DEMAND_PLANNER, expected_row_version=0, reason="promotion",
    )  # fmt: skip
    for scenario in (
        Scenario("Demand +10 %", (DemandChange(pct=10.0),)),
        Scenario("More hands", (CapacityScale(pct=25.0),), base="Demand +10 %"),
        Scenario("Ghost line", (CapacityChange(resource_id="NOPE", period_from="2024-11"),)),
    ):
        scenario_runs.store_scenario(workspace, actor=PLANNER, scenario=scenario)
    outcome = scenario_runs.compare_scenarios(workspace, actor=PLANNER)
    assert outcome.base_version_id == draft_id
    assert sorted(outcome.versions) == ["Demand +10 %", "More hands"]
    ranking = outcome.comparison.ranking.set_index("scenario")
    assert ranking.loc["Ghost line", "role"] == "failed"
    assert "NOPE" in ranking.loc["Ghost line", "reasons"]
    assert ranking.loc["More hands", "reference"] == "Demand +10 %"

    shock = plans.get_version(workspace, actor=VIEWER, version_id=outcome.versions["Demand +10 %"])
    assert (shock.scenario, shock.parent_id) == ("Demand +10 %", draft_id)
    summary = plan_runs.version_summary(workspace, actor=VIEWER, version=shock)
    assert summary["forecast_reused"] is True  # the draft's forecast, never made again for a scenario
    carried = overrides.list_overrides(workspace, actor=VIEWER, plan_version_id=shock.id)
    assert [(row.family_id, row.value) for row in carried] == [("GRILL", 777.0)]
    # the override is in the scenario's demand: the 777 entered, +10 %
    assert _grill_november(workspace, shock.id) == pytest.approx(777.0 * 1.1)
    # the response is planned under the assumption it answers: +10 % demand too, and its own capacity
    hands = plans.get_version(workspace, actor=VIEWER, version_id=outcome.versions["More hands"])
    assert _grill_november(workspace, hands.id) == pytest.approx(777.0 * 1.1)
    levers = plan_runs.version_summary(workspace, actor=VIEWER, version=hands)["levers"]
    assert [lever["kind"] for lever in levers] == ["demand_change", "capacity_scale"]
    # and it re-runs from what it records to the same content
    assert plan_runs.rerun(workspace, actor=VIEWER, version_id=hands.id).reproduced


def test_a_scenario_is_refused_where_it_enters(workspace: Workspace) -> None:
    with pytest.raises(InvalidRequest, match=r"lever 2 \(capacity_scale\): pct"):
        scenario_definitions.create_scenario(
            workspace,
            actor=PLANNER,
            name="bad",
            levers={"levers": [{"kind": "demand_change", "pct": 5}, {"kind": "capacity_scale", "pct": "x"}]},
        )
    with pytest.raises(InvalidRequest, match="a scenario plans its cycle's horizon"):
        scenario_definitions.create_scenario(
            workspace, actor=PLANNER, name="short", levers={"config_overrides": {"horizon_months": 6}}
        )
    # the web's former quick form is read as the levers it means, and listed like any scenario
    scenario_definitions.create_scenario(
        workspace, actor=PLANNER, name="quick", levers={"demand_pct": -10.0, "capacity_pct": 20.0}
    )
    (quick,) = scenario_runs.stored_scenarios(workspace, actor=VIEWER)
    assert [lever.to_dict() for lever in quick.levers] == [
        DemandChange(pct=-10.0).to_dict(),
        CapacityScale(pct=20.0).to_dict(),
    ]
    assert quick.is_response

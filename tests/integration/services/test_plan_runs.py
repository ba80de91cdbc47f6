"""The "plan" step on the tiny dataset, executed by the worker's own loop (`work(..., once=True)`), on SQLite and
PostgreSQL: it writes exactly one draft whose content is what `run_pipeline` gives on the same data; a re-plan
after an override reuses the kept forecast and still matches a full run; a run that cannot succeed writes nothing
and says why; bad requests are refused when queued.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from opensop.config import PlanningConfig
from opensop.cycle.permissions import Role
from opensop.cycle.plan_content import DIMENSIONS
from opensop.cycle.plan_measures import finance_from_measures, key_numbers, plan_measures
from opensop.cycle.status import OverrideLevel, PlanStatus
from opensop.cycle.steps import CONSENSUS_MEASURE
from opensop.demand.consensus import OverrideKind, OverrideSource
from opensop.errors import InvalidRequest, InvalidTransition, NotAuthorized, NotFoundError
from opensop.pipeline import PipelineStep, run_pipeline
from opensop.services import cycles, imports, overrides, plan_runs, plans, runs
from opensop.services.auth import Principal
from opensop.services.overrides import OverrideCell
from opensop.services.workspace import Workspace
from opensop.store.cycle_tables import Run
from opensop.store.database import transaction
from opensop.store.tables import AuditEvent
from opensop.worker import work
from tests.integration.services.conftest import PLANNER, SALES, VIEWER

TINY = Path(__file__).resolve().parents[2] / "data" / "tiny"
SUPPLY_MEASURES = {"production_regular", "inventory_quantity", "served", "lost", "capacity_load", "purchases"}
NOVEMBER = date(2024, 11, 1)


def _open(workspace: Workspace, source: Path = TINY) -> int:
    imports.import_dataset(workspace, source, actor="steward")
    return cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 10, 1)).cycle.id


def _plan(workspace: Workspace, actor: Principal = PLANNER, **request: object) -> Run:
    """Queue a plan run and let the worker's loop execute the queue."""
    params = plan_runs.PlanRequest(**request).to_params()  # type: ignore[arg-type]
    queued = runs.submit_run(workspace, actor=actor, step=plan_runs.PLAN_STEP, params=params)
    assert work(workspace, once=True) >= 1
    return runs.get_run(workspace, actor=VIEWER, run_id=queued.id)


def _sorted(frame: pd.DataFrame, names: set[str]) -> pd.DataFrame:
    chosen = frame[frame["measure"].isin(names)].copy()
    keys = [c for c in DIMENSIONS if c in chosen.columns and c != "scenario"]
    for column in keys:
        chosen[column] = chosen[column].astype(object).where(chosen[column].notna(), "").astype(str)
    return chosen[[*keys, "value"]].sort_values(keys).reset_index(drop=True)


def _assert_same_plan(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    names = {CONSENSUS_MEASURE} | SUPPLY_MEASURES
    assert set(stored["measure"]) >= names
    pd.testing.assert_frame_equal(_sorted(stored, names), _sorted(expected, names), check_exact=False, rtol=1e-9)


def test_the_plan_step_writes_one_draft_equal_to_run_pipeline(workspace: Workspace) -> None:
    cycle_id = _open(workspace)
    run = _plan(workspace, cycle_id=cycle_id)
    assert (run.status, run.error, run.progress) == ("succeeded", "", 1.0)
    found = plans.list_versions(workspace, actor=VIEWER, cycle_id=cycle_id)
    assert len(found) == 1
    version = found[0]
    assert (version.status, version.scenario, version.run_id, version.created_by) == (
        "draft",
        "base",
        run.id,
        "planner",
    )
    assert run.result is not None
    assert run.result["plan_version_id"] == version.id
    assert run.result["forecast_reused"] is False
    assert run.result["supply"]["status"] == "optimal"

    load_id, data = imports.current_dataset(workspace)
    assert version.load_id == load_id
    expected = plan_measures(run_pipeline(data, PlanningConfig()))
    _assert_same_plan(plans.read_content(workspace, actor=VIEWER, version_id=version.id).measures, expected)
    with transaction(workspace.sessions) as session:
        created = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan_created")).all()
        assert [(event.actor, event.entity_id) for event in created] == [("planner", str(version.id))]


def test_a_replan_after_an_override_reuses_the_forecast_and_matches_a_full_run(workspace: Workspace) -> None:
    cycle_id = _open(workspace)
    draft = _plan(workspace, cycle_id=cycle_id, until=PipelineStep.CONSENSUS)
    version_id = draft.result["plan_version_id"] if draft.result else 0
    cell = OverrideCell(version_id, OverrideLevel.FAMILY, "", NOVEMBER, family_id="GRILL")
    overrides.set_override(
        workspace, actor=PLANNER, cell=cell, value=777.0, kind=OverrideKind.ABSOLUTE,
        source=OverrideSource.DEMAND_PLANNER, expected_row_version=0, reason="promotion",
    )  # fmt: skip
    rows = overrides.list_overrides(workspace, actor=VIEWER, plan_version_id=version_id)

    replanned = _plan(workspace, cycle_id=cycle_id, base_version_id=version_id, in_place=True, until=PipelineStep.KPI)
    assert replanned.status == "succeeded", replanned.error
    assert replanned.result is not None
    assert replanned.result["forecast_reused"] is True
    assert replanned.result["overrides"] == [[rows[0].id, 1]]
    assert [v.id for v in plans.list_versions(workspace, actor=VIEWER, cycle_id=cycle_id)] == [version_id]
    stored = plans.read_content(workspace, actor=VIEWER, version_id=version_id)
    assert stored.version.run_id == replanned.id

    # the family total over all regions in November is the 777 entered (G1 and G2 split it)
    grill = stored.measures[
        (stored.measures["measure"] == CONSENSUS_MEASURE)
        & stored.measures["item_id"].isin(["G1", "G2"])
        & (stored.measures["period"] == NOVEMBER)
    ]
    assert grill["value"].sum() == pytest.approx(777.0)
    _, data = imports.current_dataset(workspace)
    expected = plan_measures(run_pipeline(data, PlanningConfig(), overrides=plan_runs.overrides_frame(rows)))
    _assert_same_plan(stored.measures, expected)


def test_a_scenario_run_is_a_new_draft_with_its_levers(workspace: Workspace) -> None:
    cycle_id = _open(workspace)
    base = _plan(workspace, cycle_id=cycle_id)
    base_id = base.result["plan_version_id"] if base.result else 0
    prudent = _plan(
        workspace,
        cycle_id=cycle_id,
        base_version_id=base_id,
        scenario="prudent",
        levers=plan_runs.Levers(-10.0, 0.0).to_levers(),
    )
    assert prudent.status == "succeeded", prudent.error
    assert prudent.result is not None
    assert prudent.result["forecast_reused"] is True
    versions = plans.list_versions(workspace, actor=VIEWER, cycle_id=cycle_id)
    assert [(v.scenario, v.status) for v in versions] == [("base", "draft"), ("prudent", "draft")]

    def demand(version_id: int) -> float:
        frame = plans.read_content(workspace, actor=VIEWER, version_id=version_id).measures
        return float(frame.loc[frame["measure"] == CONSENSUS_MEASURE, "value"].sum())

    assert demand(versions[1].id) == pytest.approx(0.9 * demand(base_id))


def test_a_scenario_version_carries_its_lineage_and_a_revised_one_reruns_to_its_hash(workspace: Workspace) -> None:
    cycle_id = _open(workspace)
    base = _plan(workspace, cycle_id=cycle_id)
    base_id = base.result["plan_version_id"] if base.result else 0
    cell = OverrideCell(base_id, OverrideLevel.FAMILY, "", NOVEMBER, family_id="GRILL")
    overrides.set_override(
        workspace, actor=PLANNER, cell=cell, value=777.0, kind=OverrideKind.ABSOLUTE,
        source=OverrideSource.DEMAND_PLANNER, expected_row_version=0, reason="promotion",
    )  # fmt: skip
    prudent = _plan(
        workspace,
        cycle_id=cycle_id,
        base_version_id=base_id,
        scenario="prudent",
        levers=plan_runs.Levers(-10.0, 5.0).to_levers(),
    )
    assert prudent.status == "succeeded", prudent.error
    prudent_id = prudent.result["plan_version_id"] if prudent.result else 0
    # the scenario names its parent and carries the override its consensus includes
    version = plans.get_version(workspace, actor=VIEWER, version_id=prudent_id)
    assert version.parent_id == base_id
    carried = overrides.list_overrides(workspace, actor=VIEWER, plan_version_id=prudent_id)
    assert [(row.family_id, row.value, row.reason) for row in carried] == [("GRILL", 777.0, "promotion")]
    # re-planned in place without naming levers, it stays the scenario it is named after
    again = _plan(workspace, cycle_id=cycle_id, base_version_id=prudent_id, in_place=True)
    assert again.status == "succeeded", again.error
    assert again.result is not None
    assert [lever["kind"] for lever in again.result["levers"]] == ["demand_change", "capacity_scale"]
    assert plans.get_version(workspace, actor=VIEWER, version_id=prudent_id).content_hash == version.content_hash
    # submitted, rejected, revised: the revised draft re-runs from what it records to the same content hash
    for target in (PlanStatus.SUBMITTED, PlanStatus.REJECTED):
        actor = PLANNER if target is PlanStatus.SUBMITTED else Principal("exec", Role.EXECUTIVE)
        plans.transition(workspace, actor=actor, version_id=prudent_id, target=target, reason="lineage test")
    revised = plans.revise(workspace, actor=PLANNER, version_id=prudent_id, reason="lineage test")
    check = plan_runs.rerun(workspace, actor=VIEWER, version_id=revised.id)
    assert check.reproduced, check.differences
    assert (check.rows, check.recomputed_rows) == (revised.row_count, revised.row_count)
    # the same levers without the override give another plan: the override is part of what the version records
    bare = _plan(workspace, cycle_id=cycle_id, scenario="bare", levers=plan_runs.Levers(-10.0, 5.0).to_levers())
    bare_id = bare.result["plan_version_id"] if bare.result else 0
    assert plans.get_version(workspace, actor=VIEWER, version_id=bare_id).content_hash != version.content_hash


def test_a_version_written_outside_a_run_cannot_be_rerun(workspace: Workspace, draft: object) -> None:
    with pytest.raises(InvalidRequest, match="not computed by a plan run"):
        plan_runs.rerun(workspace, actor=VIEWER, version_id=draft.id)  # type: ignore[attr-defined]


def _infeasible_copy(folder: Path) -> Path:
    """The tiny data with 100,000 cocottes in stock at Lyon, which stores at most 10 units: no supply plan exists
    (a plan never destroys stock). Valid for the import: the conflict is only in the plan. (It used to be a minimum
    headcount above the maximum, which the import now refuses: `headcount_bounds`.)"""
    source = folder / "tiny-infeasible"
    shutil.copytree(TINY, source)
    sites = pd.read_csv(source / "sites.csv")
    sites.loc[sites["site_id"] == "LYON", "storage_capacity"] = 10
    sites.to_csv(source / "sites.csv", index=False)
    inventory = pd.read_csv(source / "inventory.csv")
    inventory.loc[(inventory["item_id"] == "P1") & (inventory["site_id"] == "LYON"), "on_hand"] = 100_000
    inventory.to_csv(source / "inventory.csv", index=False)
    return source


def test_a_failing_plan_run_writes_nothing_and_says_why(workspace: Workspace, tmp_path: Path) -> None:
    cycle_id = _open(workspace, _infeasible_copy(tmp_path))
    failed = _plan(workspace, cycle_id=cycle_id)
    assert failed.status == "failed"
    assert "the supply plan has no solution" in failed.error
    assert "storage" in failed.error, failed.error
    assert "Traceback" not in failed.error
    assert plans.list_versions(workspace, actor=VIEWER, cycle_id=cycle_id) == []

    draft = _plan(workspace, cycle_id=cycle_id, until=PipelineStep.CONSENSUS)  # the demand review does not need supply
    assert draft.status == "succeeded", draft.error
    before = plans.get_version(
        workspace, actor=VIEWER, version_id=draft.result["plan_version_id"] if draft.result else 0
    )
    again = _plan(workspace, cycle_id=cycle_id, base_version_id=before.id, in_place=True, until=PipelineStep.KPI)
    assert again.status == "failed"
    after = plans.get_version(workspace, actor=VIEWER, version_id=before.id)
    assert (after.content_hash, after.run_id) == (before.content_hash, draft.id)
    with transaction(workspace.sessions) as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "plan_version")))
    assert actions == ["plan_created"]


def test_a_plan_run_without_data_fails_with_a_message(workspace: Workspace) -> None:
    cycle_id = cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 10, 1)).cycle.id
    failed = _plan(workspace, cycle_id=cycle_id)
    assert (failed.status, failed.error) == ("failed", "no data has been imported yet (import the planning data first)")
    assert runs.failure_message(failed) == failed.error


def test_plan_runs_are_checked_when_queued_and_identical_waiting_runs_coalesce(workspace: Workspace) -> None:
    cycle_id = cycles.open_cycle(workspace, actor=PLANNER, period=date(2024, 10, 1)).cycle.id
    params = plan_runs.PlanRequest(cycle_id=cycle_id).to_params()
    first = runs.submit_run(workspace, actor=PLANNER, step="plan", params=params)
    assert runs.submit_run(workspace, actor=PLANNER, step="plan", params=params).id == first.id
    other = runs.submit_run(workspace, actor=Principal("other", Role.SUPPLY_PLANNER), step="plan", params=params)
    assert other.id != first.id
    with pytest.raises(NotAuthorized):
        runs.submit_run(workspace, actor=SALES, step="plan", params=params)
    with pytest.raises(NotFoundError, match="cycle 999"):
        runs.submit_run(workspace, actor=PLANNER, step="plan", params={"cycle_id": 999})
    for bad in (
        {"cycle_id": "x"},
        {"cycle_id": 2**40},
        {"cycle_id": 1, "nonsense": 1},
        {},
        {"cycle_id": 1, "in_place": True},
    ):
        with pytest.raises(InvalidRequest):
            runs.submit_run(workspace, actor=PLANNER, step="plan", params=bad)
    with pytest.raises(InvalidRequest, match="between"):
        plan_runs.Levers(demand_pct=-95.0)
    draft = plans.create_version(workspace, actor=PLANNER, cycle_id=cycle_id, measures=pd.DataFrame(
        {"measure": ["consensus_demand"], "item_id": ["G1"], "region_id": ["FR"], "period": [NOVEMBER], "value": [1.0]}
    ))  # fmt: skip
    plans.transition(workspace, actor=PLANNER, version_id=draft.id, target=PlanStatus.SUBMITTED)
    in_place = plan_runs.PlanRequest(cycle_id=cycle_id, base_version_id=draft.id, in_place=True).to_params()
    with pytest.raises(InvalidTransition, match="submitted plan version cannot be modified"):
        runs.submit_run(workspace, actor=PLANNER, step="plan", params=in_place)


def test_every_door_shows_the_same_numbers_for_one_plan(workspace: Workspace) -> None:
    """The KPIs the run stores (what `opensop plan` prints and the API returns) and the key numbers every page and
    the executive pack compute from the stored version agree; the LP objective is the plan cost finance shows."""
    cycle_id = _open(workspace)
    run = _plan(workspace, cycle_id=cycle_id)
    assert run.result is not None
    version_id = run.result["plan_version_id"]
    stored = plans.read_content(workspace, actor=VIEWER, version_id=version_id).measures
    shown = key_numbers(finance_from_measures(stored))
    kpis = run.result["kpis"]
    pairs = {
        "revenue": "revenue",
        "gross_margin": "gross_margin",
        "margin_pct": "margin_pct",
        "inventory_value": "closing_inventory_value",
        "fill_rate": "fill_rate",
        "units_lost": "lost_sales_units",
    }
    for page_key, kpi in pairs.items():
        assert shown[page_key] == pytest.approx(kpis[kpi], rel=1e-9, abs=1e-9), page_key
    assert shown["plan_cost"] == pytest.approx(run.result["supply"]["objective"], rel=1e-9)
    # the valued end stock: the plan does not sell its stock off, finance shows a closing value
    assert shown["inventory_value"] > 0

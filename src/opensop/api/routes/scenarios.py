"""Scenario definitions (the one lever model: base, levers, config overrides) and their plan runs."""

from __future__ import annotations

from fastapi import APIRouter

from opensop.api.deps import CurrentUser, IdPath, WorkspaceDep, guarded
from opensop.api.routes.data import run_read
from opensop.api.schemas import RunRead, ScenarioCreate, ScenarioRead, ScenarioUpdate
from opensop.cycle.permissions import Action
from opensop.services import scenario_definitions as scenarios
from opensop.services import scenario_runs
from opensop.services.records import ScenarioDefinition

router = APIRouter(tags=["scenarios"])


def scenario_read(row: ScenarioDefinition) -> ScenarioRead:
    scenario = scenario_runs.scenario_of(row)
    return ScenarioRead(
        id=row.id,
        name=row.name,
        description=row.description,
        base=scenario.base,
        role="response" if scenario.is_response else "assumption",
        levers=[lever.to_dict() for lever in scenario.levers],
        config_overrides=dict(scenario.config_overrides),
        config=row.config,
        row_version=row.row_version,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.get("/scenarios", response_model=list[ScenarioRead], **guarded(Action.VIEW))
def list_scenarios(workspace: WorkspaceDep, user: CurrentUser) -> list[ScenarioRead]:
    return [scenario_read(row) for row in scenarios.list_scenarios(workspace, actor=user)]


@router.post("/scenarios", response_model=ScenarioRead, status_code=201, **guarded(Action.MANAGE_SCENARIOS))
def create_scenario(body: ScenarioCreate, workspace: WorkspaceDep, user: CurrentUser) -> ScenarioRead:
    """Store a scenario; an invalid lever is refused at once (400), naming its position, kind and field."""
    row = scenarios.create_scenario(
        workspace, actor=user, name=body.name, levers=body.document(), description=body.description, config=body.config
    )
    return scenario_read(row)


@router.get("/scenarios/{scenario_id}", response_model=ScenarioRead, **guarded(Action.VIEW))
def get_scenario(scenario_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> ScenarioRead:
    return scenario_read(scenarios.get_scenario(workspace, actor=user, scenario_id=scenario_id))


@router.patch("/scenarios/{scenario_id}", response_model=ScenarioRead, **guarded(Action.MANAGE_SCENARIOS))
def update_scenario(
    scenario_id: IdPath, body: ScenarioUpdate, workspace: WorkspaceDep, user: CurrentUser
) -> ScenarioRead:
    document = None
    if body.levers is not None or body.base is not None or body.config_overrides is not None:
        current = scenario_runs.scenario_of(scenarios.get_scenario(workspace, actor=user, scenario_id=scenario_id))
        document = {
            "base": body.base if body.base is not None else current.base,
            "levers": body.levers if body.levers is not None else [lever.to_dict() for lever in current.levers],
            "config_overrides": (
                body.config_overrides if body.config_overrides is not None else dict(current.config_overrides)
            ),
        }
    row = scenarios.update_scenario(
        workspace,
        actor=user,
        scenario_id=scenario_id,
        expected_row_version=body.expected_row_version,
        levers=document,
        description=body.description,
        config=body.config,
        reason=body.reason,
    )
    return scenario_read(row)


@router.delete("/scenarios/{scenario_id}", status_code=204, **guarded(Action.MANAGE_SCENARIOS))
def delete_scenario(scenario_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> None:
    scenarios.delete_scenario(workspace, actor=user, scenario_id=scenario_id)


@router.post("/scenarios/{scenario_id}/run", response_model=RunRead, status_code=202, **guarded(Action.EDIT_PLAN))
def run_scenario(scenario_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> RunRead:
    """Queue the scenario's plan run on the open cycle's working draft (its kept forecast and overrides); the
    worker stores a draft version named after the scenario, which can be submitted and approved."""
    row = scenarios.get_scenario(workspace, actor=user, scenario_id=scenario_id)
    return run_read(scenario_runs.queue_scenario(workspace, actor=user, name=row.name))

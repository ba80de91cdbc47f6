"""Scenario definitions (levers as JSON); running them is a run step to come."""

from __future__ import annotations

from fastapi import APIRouter

from opensop.api.deps import CurrentUser, IdPath, WorkspaceDep, guarded
from opensop.api.schemas import ScenarioCreate, ScenarioRead, ScenarioUpdate
from opensop.cycle.permissions import Action
from opensop.services import scenario_definitions as scenarios

router = APIRouter(tags=["scenarios"])


@router.get("/scenarios", response_model=list[ScenarioRead], **guarded(Action.VIEW))
def list_scenarios(workspace: WorkspaceDep, user: CurrentUser) -> list[ScenarioRead]:
    return [ScenarioRead.model_validate(row) for row in scenarios.list_scenarios(workspace, actor=user)]


@router.post("/scenarios", response_model=ScenarioRead, status_code=201, **guarded(Action.MANAGE_SCENARIOS))
def create_scenario(body: ScenarioCreate, workspace: WorkspaceDep, user: CurrentUser) -> ScenarioRead:
    row = scenarios.create_scenario(
        workspace, actor=user, name=body.name, levers=body.levers, description=body.description, config=body.config
    )
    return ScenarioRead.model_validate(row)


@router.get("/scenarios/{scenario_id}", response_model=ScenarioRead, **guarded(Action.VIEW))
def get_scenario(scenario_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> ScenarioRead:
    return ScenarioRead.model_validate(scenarios.get_scenario(workspace, actor=user, scenario_id=scenario_id))


@router.patch("/scenarios/{scenario_id}", response_model=ScenarioRead, **guarded(Action.MANAGE_SCENARIOS))
def update_scenario(
    scenario_id: IdPath, body: ScenarioUpdate, workspace: WorkspaceDep, user: CurrentUser
) -> ScenarioRead:
    row = scenarios.update_scenario(
        workspace,
        actor=user,
        scenario_id=scenario_id,
        expected_row_version=body.expected_row_version,
        levers=body.levers,
        description=body.description,
        config=body.config,
        reason=body.reason,
    )
    return ScenarioRead.model_validate(row)


@router.delete("/scenarios/{scenario_id}", status_code=204, **guarded(Action.MANAGE_SCENARIOS))
def delete_scenario(scenario_id: IdPath, workspace: WorkspaceDep, user: CurrentUser) -> None:
    scenarios.delete_scenario(workspace, actor=user, scenario_id=scenario_id)
